"""Drugs of the synthetic world: how each is packed, where it comes from, when it is seized.

Codes are those of DATA.md §4.2 and §4.4; units and forms are those of §4.6.
"""

from __future__ import annotations

from dataclasses import dataclass

from dozor.demo.world import FLAT, HERB, OPIATE, PLANT, RESIN, STRAW

# A presentation: (kind, form, median amount, weight). kind is "mass" (median in grams),
# "vol" (median in millilitres) or a counted unit code of §4.6 (median in pieces).
Presentation = tuple[str, str, float, float]


@dataclass(frozen=True, slots=True)
class Drug:
    code: str
    family: str  # a key of world.ROUTE_FAMILIES
    presentations: tuple[Presentation, ...]
    season: tuple[float, ...] = FLAT
    purity: tuple[float, float] | None = None
    label_en: str = ""
    label_ru: str = ""


def _d(
    code: str,
    family: str,
    pres: tuple[Presentation, ...],
    en: str,
    ru: str,
    season: tuple[float, ...] = FLAT,
    purity: tuple[float, float] | None = None,
) -> Drug:
    return Drug(code, family, pres, season, purity, en, ru)


_POWDER: tuple[Presentation, ...] = (("mass", "powder", 40, 7), ("mass", "crystal", 40, 3))
_CRYSTAL: tuple[Presentation, ...] = (("mass", "crystal", 30, 6), ("mass", "powder", 30, 4))
_PILLS: tuple[Presentation, ...] = (("tablet", "tablet", 150, 9), ("package", "tablet", 10, 1))

# fmt: off
DRUGS: dict[str, Drug] = {
    d.code: d
    for d in (
        _d("opium", "afghan", (("mass", "paste", 900, 8), ("mass", "resin", 900, 2)),
           "opium", "опий", OPIATE),
        _d("acetylated_opium", "none", (("mass", "paste", 5, 5), ("vol", "liquid", 10, 5)),
           "acetylated opium", "ацетилированный опий"),
        _d("heroin", "afghan", (("mass", "powder", 300, 10),), "heroin", "героин", OPIATE,
           (15, 75)),
        _d("morphine", "afghan", (("mass", "powder", 200, 1),), "morphine", "морфин", OPIATE,
           (30, 90)),
        _d("poppy_straw", "none", (("mass", "herbal", 2000, 1),), "poppy straw",
           "маковая солома", STRAW),
        _d("codeine", "pharma", (("tablet", "tablet", 100, 3), ("mass", "powder", 20, 1)),
           "codeine", "кодеин"),
        _d("tramadol", "pharma", (("tablet", "tablet", 300, 7), ("capsule", "capsule", 200, 2),
                                  ("package", "tablet", 20, 1)), "tramadol", "трамадол"),
        _d("methadone", "pharma", (("vol", "liquid", 50, 2), ("mass", "powder", 5, 1),
                                   ("tablet", "tablet", 30, 1)), "methadone", "метадон"),
        _d("buprenorphine", "pharma", (("tablet", "tablet", 20, 1),), "buprenorphine",
           "бупренорфин"),
        _d("fentanyl", "chinese", (("mass", "powder", 2, 2), ("ampoule", "liquid", 10, 1)),
           "fentanyl", "фентанил"),
        _d("desomorphine", "none", (("vol", "liquid", 20, 1),), "desomorphine", "дезоморфин"),
        _d("cocaine_hcl", "cocaine", (("mass", "powder", 100, 1),), "cocaine", "кокаин",
           purity=(40, 90)),
        _d("cannabis_herb", "cannabis", (("mass", "herbal", 250, 1),), "cannabis herb",
           "марихуана", HERB),
        _d("cannabis_resin", "afghan", (("mass", "resin", 400, 1),), "hashish", "гашиш", RESIN),
        _d("cannabis_oil", "cannabis", (("vol", "liquid", 30, 1), ("mass", "paste", 20, 1)),
           "cannabis oil", "гашишное масло"),
        _d("cannabis_plants", "none", (("plant", "plant", 40, 1),), "cannabis plants",
           "кусты конопли", PLANT),
        _d("cannabis_seed", "cannabis", (("mass", "seed", 30, 1),), "cannabis seed",
           "семена конопли"),
        _d("methamphetamine", "meth", (("mass", "crystal", 60, 7), ("mass", "powder", 60, 2),
                                       ("tablet", "tablet", 400, 2)), "methamphetamine",
           "метамфетамин", purity=(20, 95)),
        _d("amphetamine", "chinese", (("mass", "powder", 30, 8), ("tablet", "tablet", 200, 2)),
           "amphetamine", "амфетамин", purity=(5, 60)),
        _d("captagon", "pharma", (("tablet", "tablet", 500, 9), ("mass", "tablet", 200, 1)),
           "captagon", "каптагон"),
        _d("methcathinone", "none", (("mass", "powder", 5, 1), ("vol", "liquid", 20, 1)),
           "methcathinone", "меткатинон"),
        _d("mdma", "chinese", (("tablet", "tablet", 50, 8), ("mass", "crystal", 10, 2)),
           "MDMA", "МДМА"),
        _d("lsd", "chinese", (("blotter", "blotter", 15, 1),), "LSD", "ЛСД"),
        _d("psilocybin_mushrooms", "chinese", (("mass", "herbal", 30, 1),),
           "hallucinogenic mushrooms", "галлюциногенные грибы"),
        _d("diazepam", "pharma", (("tablet", "tablet", 100, 3), ("ampoule", "liquid", 20, 1)),
           "diazepam", "диазепам"),
        _d("phenazepam", "pharma", (("tablet", "tablet", 100, 1),), "phenazepam", "феназепам"),
        _d("alprazolam", "pharma", (("tablet", "tablet", 60, 1),), "alprazolam", "алпразолам"),
        _d("ghb", "chinese", (("vol", "liquid", 200, 1),), "GHB", "ГОМК"),
        _d("ketamine", "chinese", (("mass", "powder", 20, 2), ("vol", "liquid", 50, 1)),
           "ketamine", "кетамин"),
        _d("pregabalin", "pharma", (("tablet", "tablet", 200, 5), ("capsule", "capsule", 200, 4),
                                    ("package", "capsule", 15, 1)), "pregabalin", "прегабалин"),
        _d("khat", "pharma", (("mass", "herbal", 2000, 1),), "khat", "кат"),
        _d("unidentified", "none", (("mass", "powder", 20, 5), ("mass", "other", 20, 2),
                                    ("vol", "liquid", 30, 1), ("tablet", "tablet", 40, 1)),
           "an unidentified substance", "неустановленное вещество"),
        # NPS (§4.2 group nps and §4.4).
        _d("mephedrone", "chinese", _CRYSTAL, "mephedrone", "мефедрон", purity=(40, 95)),
        _d("alpha_pvp", "chinese", _CRYSTAL, "alpha-PVP", "альфа-PVP", purity=(30, 95)),
        _d("synthetic_cannabinoids", "chinese", (("mass", "herbal", 15, 7),
                                                 ("mass", "powder", 50, 3)),
           "synthetic cannabinoids", "синтетические каннабиноиды"),
        _d("4_cmc", "chinese", _CRYSTAL, "4-CMC", "4-CMC"),
        _d("n_ethylhexedrone", "chinese", _CRYSTAL, "N-ethylhexedrone", "N-этилгекседрон"),
        _d("alpha_php", "chinese", _CRYSTAL, "alpha-PHP", "альфа-PHP"),
        _d("mdpv", "chinese", _POWDER, "MDPV", "МДПВ"),
        _d("3_mmc", "chinese", _CRYSTAL, "3-MMC", "3-MMC"),
        _d("jwh_018", "chinese", (("mass", "powder", 20, 1),), "JWH-018", "JWH-018"),
        _d("ab_fubinaca", "chinese", (("mass", "powder", 30, 1),), "AB-FUBINACA", "AB-FUBINACA"),
        _d("adb_butinaca", "chinese", (("mass", "powder", 30, 1),), "ADB-BUTINACA",
           "ADB-BUTINACA"),
        _d("mdmb_4en_pinaca", "chinese", (("mass", "powder", 30, 1), ("mass", "herbal", 20, 1)),
           "MDMB-4en-PINACA", "MDMB-4en-PINACA"),
        _d("isotonitazene", "chinese", (("mass", "powder", 2, 3), ("tablet", "tablet", 30, 1)),
           "isotonitazene", "изотонитазен"),
        _d("metonitazene", "chinese", (("mass", "powder", 2, 1),), "metonitazene",
           "метонитазен"),
        _d("protonitazene", "chinese", (("mass", "powder", 2, 1),), "protonitazene",
           "протонитазен"),
        _d("etizolam", "pharma", _PILLS, "etizolam", "этизолам"),
        _d("bromazolam", "pharma", _PILLS + (("mass", "powder", 5, 2),), "bromazolam",
           "бромазолам"),
        _d("flualprazolam", "pharma", _PILLS, "flualprazolam", "флуалпразолам"),
        _d("2f_dck", "chinese", (("mass", "crystal", 10, 1),), "2F-DCK", "2F-DCK"),
        _d("mitragynine", "chinese", (("mass", "powder", 100, 2), ("capsule", "capsule", 60, 1)),
           "kratom (mitragynine)", "кратом"),
        _d("25i_nbome", "chinese", (("blotter", "blotter", 10, 1),), "25I-NBOMe", "25I-NBOMe"),
        _d("4_fa", "chinese", (("mass", "powder", 5, 1), ("tablet", "tablet", 20, 1)),
           "4-FA", "4-FA"),
    )
}
# fmt: on

# NPS: code -> (year of first appearance, relative weight inside the NPS share).
NPS: dict[str, tuple[int, float]] = {
    "mephedrone": (2010, 10.0),
    "alpha_pvp": (2012, 8.0),
    "synthetic_cannabinoids": (2010, 7.0),
    "mdpv": (2012, 0.4),
    "jwh_018": (2010, 0.2),
    "ab_fubinaca": (2015, 0.3),
    "4_cmc": (2019, 1.2),
    "n_ethylhexedrone": (2019, 1.4),
    "alpha_php": (2019, 0.8),
    "25i_nbome": (2019, 0.1),
    "4_fa": (2019, 0.2),
    "etizolam": (2019, 0.6),
    "mdmb_4en_pinaca": (2020, 1.2),
    "flualprazolam": (2020, 0.2),
    "mitragynine": (2020, 0.3),
    "3_mmc": (2021, 0.7),
    "adb_butinaca": (2021, 1.2),
    "isotonitazene": (2021, 0.4),
    "metonitazene": (2022, 0.3),
    "bromazolam": (2022, 0.6),
    "2f_dck": (2022, 0.2),
    "protonitazene": (2023, 0.2),
}
NPS_COUNTRY = {"KAZ": 1.5, "KGZ": 1.3, "UZB": 0.8, "TJK": 0.35, "TKM": 0.2}


def nps_year_factor(year: int) -> float:
    """Share multiplier of NPS: sporadic until 2021, then rising."""
    if year <= 2018:
        return 0.25
    return {2019: 0.35, 2020: 0.5, 2021: 0.8, 2022: 1.4, 2023: 2.0, 2024: 2.6}.get(year, 3.0)


def trend_factor(code: str, year: int) -> float:
    """Non-NPS trends: Afghan meth and pharmaceuticals rise, opiates fall after the 2022 ban."""
    if code == "methamphetamine":
        return 1.0 + 0.12 * max(0, year - 2018)
    if code in ("tramadol", "pregabalin"):
        return 1.0 + 0.08 * max(0, year - 2018)
    if code in ("opium", "heroin", "morphine") and year >= 2023:
        return 0.7
    return 1.0


# Scenario mixes: base weights; NPS_TOTAL is the weight of the whole NPS share at factor 1.
# fmt: off
SCENARIOS: dict[str, dict[str, float]] = {
    "afg": {"heroin": 28, "opium": 24, "cannabis_resin": 24, "methamphetamine": 5,
            "morphine": 1, "cannabis_herb": 2, "tramadol": 3, "poppy_straw": 0.5,
            "acetylated_opium": 0.5, "unidentified": 1, "NPS_TOTAL": 0.5},
    "irn": {"opium": 30, "heroin": 20, "cannabis_resin": 12, "methamphetamine": 14,
            "tramadol": 6, "pregabalin": 2, "unidentified": 1, "NPS_TOTAL": 1},
    "chn": {"tramadol": 6, "pregabalin": 4, "ketamine": 3, "methamphetamine": 4,
            "amphetamine": 1, "heroin": 1, "cannabis_herb": 1, "mdma": 1, "fentanyl": 0.2,
            "unidentified": 3, "NPS_TOTAL": 20},
    "rus": {"heroin": 14, "cannabis_herb": 14, "cannabis_resin": 10, "methamphetamine": 5,
            "pregabalin": 6, "tramadol": 5, "amphetamine": 2, "mdma": 1, "unidentified": 2,
            "NPS_TOTAL": 14},
    "ca": {"heroin": 15, "cannabis_resin": 14, "cannabis_herb": 16, "opium": 8, "tramadol": 12,
           "pregabalin": 8, "methamphetamine": 4, "diazepam": 1, "phenazepam": 1, "codeine": 1,
           "unidentified": 2, "NPS_TOTAL": 6},
    "air": {"heroin": 15, "cocaine_hcl": 5, "cannabis_herb": 8, "cannabis_resin": 5,
            "tramadol": 10, "pregabalin": 8, "mdma": 4, "methamphetamine": 5, "ketamine": 2,
            "lsd": 1, "alprazolam": 2, "methadone": 1, "psilocybin_mushrooms": 0.5,
            "captagon": 0.5, "khat": 0.3, "ghb": 0.5, "unidentified": 2, "NPS_TOTAL": 8},
    "post": {"mdma": 5, "lsd": 4, "pregabalin": 8, "tramadol": 8, "cannabis_herb": 6,
             "cannabis_seed": 3, "ketamine": 2, "amphetamine": 2, "psilocybin_mushrooms": 2,
             "alprazolam": 2, "phenazepam": 2, "cocaine_hcl": 1, "unidentified": 3,
             "NPS_TOTAL": 22},
    "inland": {"cannabis_herb": 22, "cannabis_resin": 10, "heroin": 12, "opium": 4,
               "tramadol": 8, "pregabalin": 5, "methamphetamine": 4, "amphetamine": 2,
               "mdma": 1.5, "diazepam": 1, "phenazepam": 1.5, "alprazolam": 1, "codeine": 1,
               "methadone": 1, "buprenorphine": 0.5, "desomorphine": 0.3,
               "acetylated_opium": 1.5, "poppy_straw": 2, "cocaine_hcl": 0.5, "lsd": 0.5,
               "ketamine": 0.5, "methcathinone": 0.3, "cannabis_oil": 0.5, "fentanyl": 0.05,
               "ghb": 0.3, "unidentified": 2, "NPS_TOTAL": 12},
    "field": {"cannabis_plants": 30, "cannabis_herb": 25, "poppy_straw": 5, "heroin": 2,
              "cannabis_resin": 2, "NPS_TOTAL": 12},
    "lab": {"methamphetamine": 6, "amphetamine": 2, "methcathinone": 2, "desomorphine": 1,
            "unidentified": 3, "NPS_TOTAL": 25},
}
# fmt: on

# Country accents on the inland mixes.
COUNTRY_ACCENT: dict[str, dict[str, float]] = {
    "TJK": {"heroin": 2.0, "opium": 2.5, "cannabis_resin": 1.8, "cannabis_herb": 0.6},
    "TKM": {"heroin": 2.0, "opium": 2.5, "tramadol": 1.8, "cannabis_herb": 0.6},
    "UZB": {"tramadol": 1.5, "pregabalin": 1.6, "opium": 1.4},
    "KGZ": {"cannabis_herb": 1.5, "cannabis_plants": 1.5},
    "KAZ": {"cannabis_herb": 1.3, "cannabis_plants": 1.3, "methamphetamine": 1.2},
}

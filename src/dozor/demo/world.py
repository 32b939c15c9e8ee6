"""Static facts of the synthetic world: agencies, crossing points, places, routes, drug mixes.

Everything here is plain data (codes from DATA.md §4 and §5); the generator only reads it.
Coordinates are approximate and used only where they are well known (the five crossing points
that DATA.md §5 gives coordinates for, and the centres of large towns).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTRIES: tuple[str, ...] = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
# Share of seizures reported by each country.
COUNTRY_WEIGHTS: tuple[float, ...] = (0.27, 0.16, 0.20, 0.12, 0.25)

BORDER_AGENCIES: dict[str, tuple[str, ...]] = {
    "KAZ": ("KAZ-BORDER", "KAZ-CUSTOMS"),
    "KGZ": ("KGZ-BORDER", "KGZ-CUSTOMS"),
    "TJK": ("TJK-BORDER", "TJK-CUSTOMS"),
    "TKM": ("TKM-BORDER", "TKM-CUSTOMS"),
    "UZB": ("UZB-BORDER", "UZB-CUSTOMS"),
}
# Agencies working inland: (agency, weight).
INLAND_AGENCIES: dict[str, tuple[tuple[str, float], ...]] = {
    "KAZ": (("KAZ-POLICE", 0.85), ("KAZ-CUSTOMS", 0.10), ("KAZ-BORDER", 0.05)),
    "KGZ": (("KGZ-POLICE", 0.85), ("KGZ-CUSTOMS", 0.10), ("KGZ-BORDER", 0.05)),
    "TJK": (("TJK-DCA", 0.70), ("TJK-CUSTOMS", 0.10), ("TJK-BORDER", 0.20)),
    "TKM": (("TKM-POLICE", 0.80), ("TKM-CUSTOMS", 0.12), ("TKM-BORDER", 0.08)),
    "UZB": (("UZB-POLICE", 0.78), ("UZB-CUSTOMS", 0.10), ("UZB-BORDER", 0.07), ("UZB-NCDC", 0.05)),
}


@dataclass(frozen=True, slots=True)
class Bcp:
    code: str
    country: str
    counterpart: str
    modes: tuple[str, ...]  # "road", "rail"
    weight: float
    region: str = ""  # ISO 3166-2, where sure
    settlement: str = ""
    coords: tuple[float, float] | None = None


BCPS: tuple[Bcp, ...] = (
    Bcp("nur_zholy", "KAZ", "CHN", ("road",), 8, settlement="Хоргос"),
    Bcp("altynkol", "KAZ", "CHN", ("rail",), 3, settlement="Алтынколь"),
    Bcp("dostyk", "KAZ", "CHN", ("rail", "road"), 5, settlement="Достык", coords=(45.25, 82.48)),
    Bcp("bakhty", "KAZ", "CHN", ("road",), 2, settlement="Бахты"),
    Bcp("maikapshagai", "KAZ", "CHN", ("road",), 2),
    Bcp("zhaisan", "KAZ", "RUS", ("road",), 6),
    Bcp("mamlyutka", "KAZ", "RUS", ("rail",), 5, settlement="Мамлютка"),
    Bcp("zhibek_zholy", "KAZ", "UZB", ("road",), 20, "KZ-61"),
    Bcp("saryagash", "KAZ", "UZB", ("rail",), 6, "KZ-61", "Сарыагаш"),
    Bcp("tazhen", "KAZ", "UZB", ("road",), 4, "KZ-47"),
    Bcp("korday", "KAZ", "KGZ", ("road",), 15, "KZ-31", "Кордай"),
    Bcp("bolashak", "KAZ", "TKM", ("rail",), 2, "KZ-47"),
    Bcp("torugart", "KGZ", "CHN", ("road",), 8, "KG-N", coords=(40.59, 75.43)),
    Bcp("irkeshtam", "KGZ", "CHN", ("road",), 10, "KG-O", "Иркештам", (39.68, 73.90)),
    Bcp("ak_zhol", "KGZ", "KAZ", ("road",), 25, "KG-C"),
    Bcp("dostuk", "KGZ", "UZB", ("road",), 20, "KG-O"),
    Bcp("bordobo", "KGZ", "TJK", ("road",), 8, "KG-O"),
    Bcp("panji_poyon", "TJK", "AFG", ("road",), 25, "TJ-KT", "Панджи Поён"),
    Bcp("ishkashim", "TJK", "AFG", ("road",), 8, "TJ-GB", "Ишкашим"),
    Bcp("kulma", "TJK", "CHN", ("road",), 3, "TJ-GB", coords=(38.15, 74.80)),
    Bcp("fotehobod", "TJK", "UZB", ("road",), 10, "TJ-SU"),
    Bcp("tursunzoda", "TJK", "UZB", ("road",), 12, "TJ-RA", "Турсунзаде"),
    Bcp("pakhtaobod", "TJK", "UZB", ("rail",), 5, "TJ-RA"),
    Bcp("kyzyl_art", "TJK", "KGZ", ("road",), 10, "TJ-GB"),
    Bcp("imamnazar", "TKM", "AFG", ("road",), 15, "TM-L"),
    Bcp("serhetabat", "TKM", "AFG", ("road", "rail"), 15, "TM-M", "Серхетабат"),
    Bcp("saragt", "TKM", "IRN", ("road", "rail"), 12, "TM-A", "Сарахс"),
    Bcp("howdan", "TKM", "IRN", ("road",), 6, "TM-A"),
    Bcp("artyk", "TKM", "IRN", ("road",), 8, "TM-A"),
    Bcp("akyayla", "TKM", "IRN", ("rail",), 4, "TM-B"),
    Bcp("farap", "TKM", "UZB", ("road",), 10, "TM-L", "Фарап"),
    Bcp("dashoguz", "TKM", "UZB", ("road",), 6, "TM-D"),
    Bcp("serhetyaka", "TKM", "KAZ", ("rail",), 3, "TM-B"),
    Bcp("ayritom", "UZB", "AFG", ("road", "rail"), 25, "UZ-SU", "Термез", (37.23, 67.43)),
    Bcp("gisht_kuprik", "UZB", "KAZ", ("road",), 15, "UZ-TO"),
    Bcp("keles", "UZB", "KAZ", ("rail",), 6, "UZ-TO", "Келес"),
    Bcp("daut_ata", "UZB", "KAZ", ("road",), 4, "UZ-QR"),
    Bcp("dustlik", "UZB", "KGZ", ("road",), 12, "UZ-AN", "Дустлик"),
    Bcp("oybek", "UZB", "TJK", ("road",), 10, "UZ-TO"),
    Bcp("sariosiyo", "UZB", "TJK", ("road",), 8, "UZ-SU", "Сариасия"),
    Bcp("kudukli", "UZB", "TJK", ("rail",), 4, "UZ-SU"),
    Bcp("alat", "UZB", "TKM", ("road",), 8, "UZ-BU", "Алат"),
    Bcp("shavat", "UZB", "TKM", ("road",), 5, "UZ-XO", "Шават"),
)

# Towns: (Russian name, Latin name, lat, lon, ISO 3166-2 region, weight).
Town = tuple[str, str, float, float, str, float]
TOWNS: dict[str, tuple[Town, ...]] = {
    "KAZ": (
        ("Алматы", "Almaty", 43.238, 76.889, "KZ-75", 20),
        ("Астана", "Astana", 51.169, 71.449, "KZ-71", 12),
        ("Шымкент", "Shymkent", 42.317, 69.596, "KZ-79", 12),
        ("Караганда", "Karaganda", 49.807, 73.088, "KZ-35", 6),
        ("Тараз", "Taraz", 42.900, 71.366, "KZ-31", 6),
        ("Актобе", "Aktobe", 50.283, 57.167, "KZ-15", 4),
        ("Павлодар", "Pavlodar", 52.287, 76.967, "KZ-55", 4),
        ("Усть-Каменогорск", "Oskemen", 49.948, 82.628, "KZ-63", 4),
        ("Костанай", "Kostanay", 53.214, 63.624, "KZ-39", 3),
        ("Кызылорда", "Kyzylorda", 44.853, 65.509, "KZ-43", 3),
        ("Уральск", "Oral", 51.227, 51.387, "KZ-27", 3),
        ("Петропавловск", "Petropavl", 54.865, 69.136, "KZ-59", 3),
        ("Атырау", "Atyrau", 47.094, 51.924, "KZ-23", 3),
        ("Актау", "Aktau", 43.652, 51.158, "KZ-47", 3),
        ("Туркестан", "Turkistan", 43.297, 68.252, "KZ-61", 3),
        ("Кордай", "Korday", 43.040, 74.710, "KZ-31", 2),
        ("Шу", "Shu", 43.600, 73.760, "KZ-31", 2),
    ),
    "KGZ": (
        ("Бишкек", "Bishkek", 42.875, 74.590, "KG-GB", 25),
        ("Ош", "Osh", 40.530, 72.800, "KG-GO", 15),
        ("Джалал-Абад", "Jalal-Abad", 40.933, 73.000, "KG-J", 6),
        ("Каракол", "Karakol", 42.490, 78.395, "KG-Y", 4),
        ("Токмок", "Tokmok", 42.842, 75.290, "KG-C", 5),
        ("Кант", "Kant", 42.890, 74.850, "KG-C", 3),
        ("Баткен", "Batken", 40.062, 70.819, "KG-B", 3),
        ("Нарын", "Naryn", 41.428, 75.991, "KG-N", 2),
        ("Талас", "Talas", 42.522, 72.242, "KG-T", 2),
        ("Кара-Суу", "Kara-Suu", 40.705, 72.866, "KG-O", 4),
        ("Чолпон-Ата", "Cholpon-Ata", 42.650, 77.080, "KG-Y", 2),
    ),
    "TJK": (
        ("Душанбе", "Dushanbe", 38.560, 68.774, "TJ-DU", 25),
        ("Худжанд", "Khujand", 40.283, 69.622, "TJ-SU", 10),
        ("Бохтар", "Bokhtar", 37.836, 68.781, "TJ-KT", 8),
        ("Куляб", "Kulob", 37.914, 69.784, "TJ-KT", 8),
        ("Хорог", "Khorog", 37.489, 71.553, "TJ-GB", 4),
        ("Пяндж", "Panj", 37.236, 69.099, "TJ-KT", 5),
        ("Истаравшан", "Istaravshan", 39.911, 69.006, "TJ-SU", 3),
        ("Турсунзаде", "Tursunzoda", 38.513, 68.232, "TJ-RA", 4),
        ("Вахдат", "Vahdat", 38.556, 69.014, "TJ-RA", 3),
        ("Шаартуз", "Shahrituz", 37.260, 68.140, "TJ-KT", 2),
    ),
    "TKM": (
        ("Ашхабад", "Ashgabat", 37.960, 58.326, "TM-S", 25),
        ("Туркменабат", "Turkmenabat", 39.073, 63.579, "TM-L", 12),
        ("Дашогуз", "Dashoguz", 41.836, 59.967, "TM-D", 8),
        ("Мары", "Mary", 37.600, 61.830, "TM-M", 10),
        ("Балканабат", "Balkanabat", 39.510, 54.366, "TM-B", 4),
        ("Туркменбаши", "Turkmenbashi", 40.022, 52.955, "TM-B", 4),
        ("Теджен", "Tejen", 37.380, 60.500, "TM-A", 3),
        ("Серхетабат", "Serhetabat", 35.279, 62.343, "TM-M", 3),
    ),
    "UZB": (
        ("Ташкент", "Tashkent", 41.311, 69.279, "UZ-TK", 25),
        ("Самарканд", "Samarkand", 39.654, 66.975, "UZ-SA", 10),
        ("Бухара", "Bukhara", 39.767, 64.423, "UZ-BU", 6),
        ("Термез", "Termez", 37.224, 67.278, "UZ-SU", 8),
        ("Андижан", "Andijan", 40.783, 72.344, "UZ-AN", 6),
        ("Наманган", "Namangan", 40.998, 71.672, "UZ-NG", 6),
        ("Фергана", "Fergana", 40.389, 71.783, "UZ-FA", 6),
        ("Карши", "Karshi", 38.861, 65.789, "UZ-QA", 5),
        ("Нукус", "Nukus", 42.461, 59.617, "UZ-QR", 4),
        ("Ургенч", "Urgench", 41.550, 60.631, "UZ-XO", 4),
        ("Джизак", "Jizzakh", 40.116, 67.842, "UZ-JI", 3),
        ("Навои", "Navoiy", 40.103, 65.374, "UZ-NW", 3),
        ("Чирчик", "Chirchiq", 41.469, 69.582, "UZ-TO", 3),
    ),
}
# Towns with an international airport (indexes into TOWNS[country]).
AIRPORT_TOWNS: dict[str, tuple[int, ...]] = {
    "KAZ": (0, 1, 2, 5, 12),
    "KGZ": (0, 1),
    "TJK": (0, 1, 3),
    "TKM": (0, 1, 3),
    "UZB": (0, 1, 2, 3, 4, 5, 7, 8, 9, 11),
}

# Sea or river ports (indexes into TOWNS[country]): Aktau, Turkmenbashi, Termez.
SEAPORT_TOWNS: dict[str, int] = {"KAZ": 13, "TKM": 5, "UZB": 3}

# Inland location types per country: (code, weight). Plants and dead drops live in open_area.
INLAND_LOCATIONS: tuple[tuple[str, float], ...] = (
    ("road", 26),
    ("dwelling", 15),
    ("open_area", 12),
    ("airport", 7),
    ("railway", 6),
    ("postal", 6),
    ("green_border", 8),
    ("commercial", 4),
    ("warehouse", 2.5),
    ("inland_waters", 1.5),
    ("laboratory", 0.6),
    ("prison", 1.5),
    ("seaport", 0.4),
    ("other", 1),
    ("unknown", 0.5),
)
AFG_NEIGHBOURS = frozenset({"TJK", "TKM", "UZB"})

# Route families: travel paths (origin first) with weights.
Path = tuple[str, ...]
_AFGHAN: tuple[tuple[Path, float], ...] = (
    (("AFG", "TJK", "KGZ", "KAZ", "RUS"), 4),
    (("AFG", "TJK", "UZB", "KAZ", "RUS"), 3),
    (("AFG", "UZB", "KAZ", "RUS"), 3),
    (("AFG", "TKM", "UZB", "KAZ", "RUS"), 2),
    (("AFG", "TKM", "KAZ", "RUS"), 1),
    (("AFG", "IRN", "TKM", "UZB", "KAZ", "RUS"), 1),
    (("AFG", "TJK", "KGZ", "KAZ", "RUS", "BLR", "POL"), 0.5),
    (("AFG", "UZB", "KAZ", "RUS", "LVA"), 0.3),
    (("AFG", "TKM", "AZE", "GEO", "TUR"), 0.4),
    (("AFG", "TJK"), 2),
    (("AFG", "TJK", "KGZ"), 2),
    (("AFG", "TJK", "UZB"), 1),
    (("AFG", "UZB"), 1),
    (("AFG", "TKM"), 1),
    (("AFG", "IRN", "TKM"), 0.5),
)
_IRANIAN: tuple[tuple[Path, float], ...] = (
    (("IRN", "TKM"), 2),
    (("IRN", "TKM", "UZB", "KAZ", "RUS"), 1),
    (("IRN", "TKM", "KAZ", "RUS"), 1),
)
_CHINESE: tuple[tuple[Path, float], ...] = (
    (("CHN", "KAZ", "RUS"), 3),
    (("CHN", "KAZ"), 3),
    (("CHN", "KGZ", "KAZ", "RUS"), 2),
    (("CHN", "KGZ"), 2),
    (("CHN", "KGZ", "UZB"), 1.5),
    (("CHN", "KAZ", "UZB"), 1),
    (("CHN", "KGZ", "TJK"), 0.5),
    (("CHN", "TJK"), 0.3),
)
_LOCAL_SYNTHETIC: tuple[tuple[Path, float], ...] = (
    (("RUS", "KAZ"), 3),
    (("RUS", "KAZ", "KGZ"), 1),
    (("RUS", "KAZ", "UZB"), 1),
    (("KAZ", "KGZ"), 1),
    (("KAZ", "RUS"), 1),
    (("KGZ", "KAZ", "RUS"), 1),
    (("KAZ",), 3),
    (("KGZ",), 2),
    (("UZB",), 1),
    (("NLD", "RUS", "KAZ"), 0.3),
    (("POL", "BLR", "RUS", "KAZ"), 0.2),
)
_CANNABIS: tuple[tuple[Path, float], ...] = (
    (("KGZ", "KAZ", "RUS"), 2),
    (("KGZ", "KAZ"), 2),
    (("KAZ", "RUS"), 2),
    (("KAZ",), 4),
    (("KGZ",), 3),
    (("KGZ", "UZB"), 1),
    (("KAZ", "UZB"), 0.5),
    (("TJK", "UZB"), 0.5),
    (("UZB",), 2),
    (("TJK",), 1.5),
    (("TKM",), 1),
)
_PHARMA: tuple[tuple[Path, float], ...] = (
    (("IND", "UZB"), 2),
    (("IND", "TJK"), 1),
    (("IND", "KGZ", "KAZ"), 0.5),
    (("RUS", "KAZ"), 2),
    (("RUS", "UZB"), 1),
    (("RUS", "KGZ"), 1),
    (("TUR", "UZB"), 1),
    (("TUR", "TKM"), 1),
    (("IRN", "TKM"), 1),
    (("CHN", "KAZ"), 1),
    (("CHN", "KGZ", "UZB"), 1),
    (("AFG", "TJK"), 0.5),
    (("KAZ", "UZB"), 1),
    (("KGZ", "UZB"), 1),
    (("UZB", "TJK"), 0.5),
)
_COCAINE: tuple[tuple[Path, float], ...] = (
    (("BRA", "TUR", "KAZ"), 1),
    (("ECU", "NLD", "RUS", "KAZ"), 1),
    (("COL", "ESP", "RUS", "KAZ"), 0.5),
    (("BRA", "ARE", "UZB"), 1),
    (("PER", "TUR", "KGZ"), 0.5),
    (("BRA", "TUR", "TJK"), 0.3),
    (("ECU", "TUR", "TKM"), 0.3),
)
ROUTE_FAMILIES: dict[str, tuple[tuple[Path, float], ...]] = {
    "afghan": _AFGHAN,
    "meth": _AFGHAN + _IRANIAN + _CHINESE[:4],
    "chinese": _CHINESE + _LOCAL_SYNTHETIC,
    "cannabis": _CANNABIS,
    "pharma": _PHARMA,
    "cocaine": _COCAINE,
    "none": (),
}

# Monthly multipliers (January first).
FLAT = (1.0,) * 12
OPIATE = (0.8, 0.7, 0.75, 0.85, 1.0, 1.15, 1.35, 1.45, 1.45, 1.35, 1.15, 0.9)
HERB = (0.6, 0.55, 0.6, 0.7, 0.8, 0.95, 1.2, 1.7, 1.9, 1.5, 0.95, 0.7)
PLANT = (0.0, 0.0, 0.05, 0.2, 0.7, 1.6, 2.6, 3.0, 2.0, 0.5, 0.05, 0.0)
RESIN = (1.1, 1.05, 1.0, 0.9, 0.9, 0.9, 0.95, 1.0, 1.05, 1.15, 1.2, 1.15)
STRAW = (0.3, 0.3, 0.4, 0.6, 1.0, 1.8, 2.2, 1.8, 1.2, 0.8, 0.5, 0.3)
ALL_SEIZURES = (0.85, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.15, 1.1, 1.0, 0.9)

BCP_RU: dict[str, str] = {
    "nur_zholy": "Нур Жолы",
    "altynkol": "Алтынколь",
    "dostyk": "Достык",
    "bakhty": "Бахты",
    "maikapshagai": "Майкапшагай",
    "zhaisan": "Жайсан",
    "mamlyutka": "Мамлютка",
    "zhibek_zholy": "Жибек Жолы",
    "saryagash": "Сарыагаш",
    "tazhen": "Тажен",
    "korday": "Кордай",
    "bolashak": "Болашак",
    "torugart": "Торугарт",
    "irkeshtam": "Иркештам",
    "ak_zhol": "Ак-Жол",
    "dostuk": "Достук",
    "bordobo": "Бордобо",
    "panji_poyon": "Пянджи-Поён",
    "ishkashim": "Ишкашим",
    "kulma": "Кульма",
    "fotehobod": "Фотехобод",
    "tursunzoda": "Турсунзаде",
    "pakhtaobod": "Пахтаобод",
    "kyzyl_art": "Кызыл-Арт",
    "imamnazar": "Имамназар",
    "serhetabat": "Серхетабат",
    "saragt": "Сарахс",
    "howdan": "Ховдан",
    "artyk": "Артык",
    "akyayla": "Акяйла",
    "farap": "Фарап",
    "dashoguz": "Дашогуз",
    "serhetyaka": "Серхетяка",
    "ayritom": "Айритом",
    "gisht_kuprik": "Гишт-Куприк",
    "keles": "Келес",
    "daut_ata": "Даут-Ата",
    "dustlik": "Дустлик",
    "oybek": "Ойбек",
    "sariosiyo": "Сариасия",
    "kudukli": "Кудукли",
    "alat": "Алат",
    "shavat": "Шават",
}

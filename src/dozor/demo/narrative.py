"""Short free-text narratives in Russian or English, as officers write them."""

from __future__ import annotations

from dozor.demo.rand import Rng

_COUNTRY_GEN_RU = {
    "KAZ": "Казахстана",
    "KGZ": "Кыргызстана",
    "TJK": "Таджикистана",
    "TKM": "Туркменистана",
    "UZB": "Узбекистана",
    "AFG": "Афганистана",
    "RUS": "России",
    "CHN": "Китая",
    "IRN": "Ирана",
}
_COUNTRY_ACC_RU = {
    "KAZ": "Казахстан",
    "KGZ": "Кыргызстан",
    "TJK": "Таджикистан",
    "TKM": "Туркменистан",
    "UZB": "Узбекистан",
    "RUS": "Россию",
    "BLR": "Беларусь",
    "POL": "Польшу",
    "TUR": "Турцию",
    "LVA": "Латвию",
}
_COUNTRY_EN = {
    "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "UZB": "Uzbekistan",
    "AFG": "Afghanistan",
    "RUS": "Russia",
    "CHN": "China",
    "IRN": "Iran",
    "BLR": "Belarus",
    "POL": "Poland",
    "TUR": "Turkey",
    "LVA": "Latvia",
}
_CONV_RU = {
    "car": "легкового автомобиля",
    "truck": "грузового автомобиля",
    "bus": "автобуса",
    "motorcycle": "мотоцикла",
    "train_passenger": "пассажирского поезда",
    "train_freight": "грузового вагона",
    "container": "контейнера",
    "airplane": "багажа пассажира",
    "postal_item": "почтового отправления",
    "vessel": "лодки",
}
_CONV_EN = {
    "car": "car",
    "truck": "truck",
    "bus": "bus",
    "motorcycle": "motorcycle",
    "train_passenger": "passenger train",
    "train_freight": "freight wagon",
    "container": "container",
    "airplane": "passenger's baggage",
    "postal_item": "parcel",
    "vessel": "boat",
}
_HIDE_RU = {
    "vehicle_built_compartment": "в специально оборудованном тайнике",
    "vehicle_natural_void": "в полостях кузова",
    "fuel_tank_tyre": "в топливном баке",
    "within_cargo": "среди груза",
    "luggage": "в багаже",
    "luggage_false_bottom": "в двойном дне сумки",
    "on_body": "в одежде",
    "internal_carrier": "в желудке (внутриполостное сокрытие)",
    "postal_item": "в посылке",
    "dead_drop": "в закладке",
    "cache": "в тайнике",
    "container_structure": "в полу контейнера",
}
_HIDE_EN = {
    "vehicle_built_compartment": "in a built-in compartment",
    "vehicle_natural_void": "in the body cavities",
    "fuel_tank_tyre": "in the fuel tank",
    "within_cargo": "among the cargo",
    "luggage": "in luggage",
    "luggage_false_bottom": "in the false bottom of a bag",
    "on_body": "in clothing",
    "internal_carrier": "swallowed in capsules",
    "postal_item": "inside the parcel",
    "dead_drop": "in a dead drop",
    "cache": "in a hiding place",
    "container_structure": "in the container floor",
}
UNIT_RU = {
    "kg": "кг",
    "g": "г",
    "t": "т",
    "l": "л",
    "ml": "мл",
    "tablet": "таб.",
    "capsule": "капс.",
    "blotter": "марок",
    "ampoule": "амп.",
    "plant": "кустов",
    "package": "уп.",
}
UNIT_EN = {
    "tablet": "tablets",
    "capsule": "capsules",
    "blotter": "blotters",
    "ampoule": "ampoules",
    "plant": "plants",
    "package": "packages",
}


def _initials(row: dict[str, str]) -> str:
    given, pat = row["given_name"], row["patronymic"]
    out = row["surname"]
    if given:
        out += " " + given[0] + "."
        if pat:
            out += pat[0] + "."
    return out


def narrative(
    rng: Rng,
    *,
    items: list[tuple[str, str, str, str]],  # (label_ru, label_en, quantity, unit)
    place_ru: str,
    place_en: str,
    conveyance: str,
    concealment: str,
    origin: str,
    destination: str,
    person: dict[str, str] | None,
    nationality: str,
) -> str:
    """Two or three sentences about the seizure; sometimes they name a person."""
    if rng.random() < 0.75:
        things = "; ".join(f"{ru} — {q} {UNIT_RU[u]}" for ru, _, q, u in items)
        conv = _CONV_RU.get(conveyance)
        hide = _HIDE_RU.get(concealment, "")
        if conv:
            text = f"При досмотре {conv} {place_ru} {hide} обнаружено: {things}."
        else:
            text = f"В ходе оперативных мероприятий {place_ru} {hide} изъято: {things}."
        if person is not None and rng.random() < 0.7:
            verb = "Задержана гражданка" if person["sex"] == "F" else "Задержан гражданин"
            text += f" {verb} {_COUNTRY_GEN_RU.get(nationality, '')} {_initials(person)}."
        if origin in _COUNTRY_GEN_RU and destination in _COUNTRY_ACC_RU and rng.random() < 0.4:
            text += f" Груз следовал из {_COUNTRY_GEN_RU[origin]} в {_COUNTRY_ACC_RU[destination]}."
        if rng.random() < 0.3:
            text += " Изъятое направлено на экспертизу."
    else:
        things = " and ".join(f"{q} {UNIT_EN.get(u, u)} of {en}" for _, en, q, u in items).replace(
            ",", "."
        )
        conv = _CONV_EN.get(conveyance)
        hide = _HIDE_EN.get(concealment, "")
        if conv:
            text = f"{things[0].upper()}{things[1:]} found {hide} during inspection of a {conv}"
            text += f" {place_en}."
        else:
            text = f"Following a tip-off, officers seized {things} {hide} {place_en}."
        if person is not None and rng.random() < 0.7:
            who = _initials(person)
            text += f" {who}, a national of {_COUNTRY_EN.get(nationality, 'unknown')}, was held."
        if origin in _COUNTRY_EN and destination in _COUNTRY_EN and rng.random() < 0.4:
            text += f" The consignment was en route from {_COUNTRY_EN[origin]}"
            text += f" to {_COUNTRY_EN[destination]}."
        if rng.random() < 0.3:
            text += " Samples were sent to the laboratory."
    return " ".join(text.replace("..", ".").split())

"""Real-world spellings of one person's name, and people who must stay apart.

The spellings are of public figures of the region, as published: the Cyrillic of their own
country and Russian, the Latin of their passports and national alphabets, and the English,
German (Duden-style: w for в, s for з, sch for ш) and French (ou, ch, ï) press. Dates of birth
are theirs. None of these was used to write the rules.
"""

from __future__ import annotations

import pytest

from dozor.matching.identity import PersonRecord, blocking_keys, compare
from dozor.matching.identity.names import patronymic_forms
from dozor.matching.identity.records import split_name_fields

_PEOPLE: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # key: (date of birth, [(surname, given name) as written somewhere])
    "nazarbayev": (
        "1940-07-06",
        [
            ("Назарбаев", "Нұрсұлтан"),
            ("Назарбаев", "Нурсултан"),
            ("Nazarbayev", "Nursultan"),
            ("Nazarbaev", "Nūrsūltan"),
            ("Nasarbajew", "Nursultan"),
            ("Nazarbaïev", "Noursoultan"),
        ],
    ),
    "tokayev": (
        "1953-05-17",
        [
            ("Тоқаев", "Қасым-Жомарт"),
            ("Токаев", "Касым-Жомарт"),
            ("Tokayev", "Kassym-Jomart"),
            ("Toqaev", "Qasym-Jomart"),
            ("Tokajew", "Kassym-Schomart"),
            ("Tokaïev", "Kassym-Jomart"),
        ],
    ),
    "mirziyoyev": (
        "1957-07-24",
        [
            ("Мирзиёев", "Шавкат"),
            ("Mirziyoyev", "Shavkat"),
            ("MIRZIIOEV", "SHAVKAT"),
            ("Mirsijojew", "Schawkat"),
            ("Mirzioïev", "Chavkat"),
        ],
    ),
    "rahmon": (
        "1952-10-05",
        [
            ("Раҳмонов", "Эмомалӣ"),
            ("Рахмонов", "Эмомали"),
            ("Rakhmonov", "Emomali"),
            ("Rachmonow", "Emomali"),
        ],
    ),
    "berdimuhamedow": (
        "1957-06-29",
        [
            ("Бердимуҳамедов", "Гурбангулы"),
            ("Бердымухамедов", "Гурбангулы"),
            ("Berdimuhamedow", "Gurbanguly"),
            ("Berdymukhamedov", "Gurbanguly"),
            ("Berdimuchamedow", "Gurbanguly"),
        ],
    ),
    "niyazov": (
        "1940-02-19",
        [
            ("Ныязов", "Сапармырат"),
            ("Ниязов", "Сапармурат"),
            ("Nyýazow", "Saparmyrat"),
            ("Niyazov", "Saparmurat"),
            ("Nijasow", "Saparmurat"),
        ],
    ),
    "japarov": (
        "1968-12-06",
        [
            ("Жапаров", "Садыр"),
            ("Japarov", "Sadyr"),
            ("Zhaparov", "Sadyr"),
            ("Dschaparow", "Sadyr"),
        ],
    ),
    "jeenbekov": (
        "1958-11-16",
        [
            ("Жээнбеков", "Сооронбай"),
            ("Jeenbekov", "Sooronbay"),
            ("Zheenbekov", "Sooronbai"),
            ("Dscheenbekow", "Sooronbai"),
        ],
    ),
    "usenov": (
        "1950-01-01",  # a Kyrgyz surname with ү and ө, and its Russian spelling
        [("Үсөнов", "Данияр"), ("Усенов", "Данияр"), ("Usenov", "Daniyar"), ("Üsönov", "Daniiar")],
    ),
}


def _spellings() -> list[tuple[str, PersonRecord, PersonRecord]]:
    cases = []
    for key, (dob, names) in _PEOPLE.items():
        first = PersonRecord("a", names[0][0], names[0][1], date_of_birth=dob)
        for k, (surname, given) in enumerate(names[1:], start=1):
            other = PersonRecord(f"b{k}", surname, given, date_of_birth=dob[:4])
            cases.append((key, first, other))
    return cases


@pytest.mark.parametrize(("person", "a", "b"), _spellings())
def test_published_spellings_match_and_meet(person: str, a: PersonRecord, b: PersonRecord) -> None:
    """Full date on one side, the year only on the other: names must carry the match."""
    for x, y in ((a, b), (b, a)):
        result = compare(x, y)
        assert result.is_match, (person, {k: v.as_dict() for k, v in result.features.items()})
    assert blocking_keys(a) & blocking_keys(b), (person, "never compared")


def _rec(surname: str, given: str, dob: str, patronymic: str = "") -> PersonRecord:
    return PersonRecord("x", surname, given, patronymic, dob)


MUST_NOT_MATCH = [
    # Father and son of one name (Serdar Berdimuhamedow's son would be his namesake).
    (
        _rec("Berdimuhamedow", "Serdar", "1981-09-22", "Gurbangulyýewiç"),
        _rec("Бердымухамедов", "Сердар", "2005-01-10", "Сердарович"),
    ),
    # Two people of a very common name, the same year, different birthdays.
    (_rec("Karimov", "Rustam", "1980-01-01"), _rec("Каримов", "Рустам", "1980-03-15")),
    # A longer surname or given name is another name, not a typo.
    (_rec("Asanov", "Nurlan", "1976-07-22"), _rec("Asanaliev", "Nurlan", "1976")),
    (_rec("Rustamov", "Anvar", "1990"), _rec("Rustamov", "Anvarbek", "1990")),
    # Brothers: one surname and father, given names apart, years apart.
    (
        _rec("Ташиев", "Камчыбек", "1968", "Кыдыршаевич"),
        _rec("Tashiev", "Shamil", "1972", "Kydyrshaevich"),
    ),
    # Same name, different fathers (Kyrgyz uulu and Russian -ovich).
    (
        _rec("Асанов", "Бакыт", "1971", "Токтосун уулу"),
        _rec("Asanov", "Bakyt", "1971", "Kanatovich"),
    ),
]


@pytest.mark.parametrize(("a", "b"), MUST_NOT_MATCH)
def test_different_people_stay_apart(a: PersonRecord, b: PersonRecord) -> None:
    for x, y in ((a, b), (b, a)):
        result = compare(x, y)
        assert not result.is_match, {k: v.as_dict() for k, v in result.features.items()}


def test_marker_patronymic_in_a_full_name_field() -> None:
    surname, given, patronymic = split_name_fields("Muhammadqulov Sherzod Sardor o'g'li", "", "")
    assert (surname, given, patronymic) == ("Muhammadqulov", "Sherzod", "Sardor o'g'li")
    assert patronymic_forms(patronymic).stem[0] == "sardor"


@pytest.mark.parametrize(
    ("text", "father", "gender"),
    [("Darchankysy", "darhan", "f"), ("Nurlan kysy", "nurlan", "f"), ("Serikuly", "serik", "m")],
)
def test_german_style_and_kazakh_patronymics(text: str, father: str, gender: str) -> None:
    forms = patronymic_forms(text)
    assert father in forms.stem and forms.gender == gender

"""Name folding against spellings from each standard, and properties of the folding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dozor.matching.identity.compare import best_similarity
from dozor.matching.identity.names import (
    fold_vowels,
    given_forms,
    patronymic_forms,
    readings,
    skeleton,
    surname_forms,
)

# (Cyrillic as written, spelling in the standard) — each pair must fold to one reading.
STANDARD_SPELLINGS = {
    "icao_9303": [
        ("Юсупов", "IUSUPOV"),
        ("Бахтиёр", "BAKHTIER"),
        ("Щербаков", "SHCHERBAKOV"),
        ("Цой", "TSOI"),
        ("Жумабаев", "ZHUMABAEV"),
        ("Хасанов", "KHASANOV"),
        ("Ғафуров", "GAFUROV"),
        ("Қодиров", "KODIROV"),
    ],
    "gost_7_79_b": [
        ("Щербаков", "Shherbakov"),
        ("Цой", "Czoj"),
        ("Юлдашев", "Yuldashev"),
        ("Сергей", "Sergej"),
        ("Хасанов", "Xasanov"),
        ("Рыжков", "Ry'zhkov"),
    ],
    "bgn_pcgn": [
        ("Ерлан", "Yerlan"),
        ("Бахтиёр", "Bakhtiyër"),
        ("Алексеев", "Alekseyev"),
        ("Юлдашев", "Yuldashev"),
        ("Ильич", "Il’ich"),
    ],
    "uzbek_latin": [
        ("Йўлдошев", "Yo'ldoshev"),
        ("Ғаниев", "G'aniyev"),
        ("Қодиров", "Qodirov"),
        ("Шуҳрат", "Shuhrat"),
        ("Хўжаев", "Xo‘jayev"),
        ("Бахтиёр", "Baxtiyor"),
        ("Чориев", "Choriyev"),
    ],
    "kazakh_2021": [
        ("Жақсылықов", "Jaqsylyqov"),
        ("Нұрлан", "Nūrlan"),
        ("Шәкенов", "Şäkenov"),
        ("Серік", "Serik"),
        ("Ғалым", "Ğalym"),
        ("Бауыржан", "Bauyrjan"),
    ],
    "turkmen_latin": [
        ("Өвезов", "Öwezow"),
        ("Мырадов", "Myradow"),
        ("Реҗепов", "Rejepow"),
        ("Чарыев", "Çaryýew"),
        ("Ниязов", "Nyýazow"),
        ("Мәммедов", "Mämmedow"),
        ("Шатлык", "Şatlyk"),
    ],
    "french": [
        ("Юлдашев", "Iouldachev"),
        ("Джураев", "Djouraev"),
        ("Чориев", "Tchoriev"),
        ("Юсупов", "Youssoupov"),
    ],
    "german": [
        ("Юсупов", "Jussupow"),
        ("Жуков", "Schukow"),
        ("Чориев", "Tschorijew"),
        ("Джураев", "Dschurajew"),
        ("Хасанов", "Chassanow"),
        ("Щербаков", "Schtscherbakow"),
    ],
    "older_practice": [
        ("Юсупов", "YUSUPOV"),
        ("Бахтиёр", "BAKHTIYOR"),
        ("Смирнов", "SMIRNOFF"),
        ("Джураев", "DZHURAYEV"),
        ("Абдуллаев", "ABDULAEV"),
    ],
}


@pytest.mark.parametrize(
    ("standard", "cyrillic", "latin"),
    [(std, c, lat) for std, pairs in STANDARD_SPELLINGS.items() for c, lat in pairs],
)
def test_standard_spelling_folds_like_cyrillic(standard: str, cyrillic: str, latin: str) -> None:
    sim, _, _ = best_similarity(readings(cyrillic), readings(latin))
    assert sim == 1.0, (standard, readings(cyrillic), readings(latin))


def test_icao_reading_of_yusupov() -> None:
    assert readings("Юсупов") == readings("IUSUPOV") == ("usupov",)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Usmonov", "Усманов"), ("Temur", "Тимур"), ("Nodir", "Надир")],
)
def test_vowel_folding_joins_uzbek_and_russian_spellings(a: str, b: str) -> None:
    assert fold_vowels(readings(a)[0]) == fold_vowels(readings(b)[0])


@pytest.mark.parametrize(
    ("text", "father", "gender"),
    [
        ("Рустамович", "rustam", "m"),
        ("Rustamovna", "rustam", "f"),
        ("Rustam o'g'li", "rustam", "m"),
        ("Rustam qizi", "rustam", "f"),
        ("Нұрланұлы", "nurlan", "m"),
        ("Нұрланқызы", "nurlan", "f"),
        ("Токтосун уулу", "toktosun", "m"),
        ("Асан кызы", "asan", "f"),
        ("Begench ogly", "begenC", "m"),
        ("RUSTAM UGLI", "rustam", "m"),
    ],
)
def test_patronymic_forms_give_the_fathers_name(text: str, father: str, gender: str) -> None:
    forms = patronymic_forms(text)
    assert forms.stem[0] == father
    assert forms.gender == gender


@pytest.mark.parametrize(
    ("a", "b"), [("Юсупова", "YUSUPOV"), ("Alieva", "Aliyev"), ("Smirnoff", "Смирнова")]
)
def test_surname_stems_ignore_gendered_endings(a: str, b: str) -> None:
    assert set(surname_forms(a).stem) & set(surname_forms(b).stem)
    assert surname_forms(a).gender != surname_forms(b).gender


def test_different_names_stay_apart() -> None:
    for a, b in [("Karimov", "Rahimov"), ("Rustam", "Rustambek"), ("Aliev", "Alimov")]:
        assert best_similarity(surname_forms(a).full, surname_forms(b).full)[0] < 0.97


_NAME_TEXT = st.text(
    alphabet=st.sampled_from(
        list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіўҳҷӣӯҗ")
        + list("abcdefghijklmnopqrstuvwxyzçşžýäöüňğı' -")
        + list("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    ),
    max_size=24,
)


@given(_NAME_TEXT)
def test_readings_are_plain_letters_and_deterministic(text: str) -> None:
    out = readings(text)
    assert out == readings(text)
    assert 1 <= len(out) <= 6
    for reading in out:
        assert all(c.isascii() and (c.isalpha() or c == " ") for c in reading)
        assert reading == " ".join(reading.split())


@given(_NAME_TEXT)
def test_skeleton_and_vowel_folding_are_idempotent(text: str) -> None:
    for reading in readings(text):
        assert skeleton(skeleton(reading)) == skeleton(reading)
        assert fold_vowels(fold_vowels(reading)) == fold_vowels(reading)


@given(_NAME_TEXT)
def test_case_and_script_case_do_not_matter(text: str) -> None:
    assert given_forms(text.upper()).full[:1] == given_forms(text.lower()).full[:1] or not text

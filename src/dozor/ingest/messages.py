"""Error reasons of the import contract (DATA.md §6.3) in English and Russian.

Templates use ``str.format`` with the problem's params; a missing param leaves the template
readable because every template only names params its raiser always sets.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "missing_column": {
        "en": "required column {column} is missing",
        "ru": "нет обязательного столбца {column}",
    },
    "unknown_column": {
        "en": "unknown column {column} (extra columns must start with x_)",
        "ru": "неизвестный столбец {column} (дополнительные столбцы должны начинаться с x_)",
    },
    "required_missing": {
        "en": "a value is required",
        "ru": "значение обязательно",
    },
    "unknown_code": {
        "en": "{value!r} is not a known {what}{hint}",
        "ru": "{value!r} — неизвестное значение ({what_ru}){hint_ru}",
    },
    "invalid_date": {
        "en": "{value!r} is not a date; use YYYY-MM-DD or DD.MM.YYYY",
        "ru": "{value!r} — не дата; используйте ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
    },
    "ambiguous_date": {
        "en": "{value!r} is ambiguous (day and month order); use YYYY-MM-DD or DD.MM.YYYY",
        "ru": "{value!r} неоднозначна (порядок дня и месяца); "
        "используйте ГГГГ-ММ-ДД или ДД.ММ.ГГГГ",
    },
    "future_date": {
        "en": "{value!r} is in the future",
        "ru": "{value!r} — дата в будущем",
    },
    "invalid_number": {
        "en": "{value!r} is not a number",
        "ru": "{value!r} — не число",
    },
    "ambiguous_number": {
        "en": "{value!r} is ambiguous: use either a decimal comma or a decimal point, not both",
        "ru": "{value!r} неоднозначно: используйте либо запятую, либо точку, но не обе",
    },
    "out_of_range": {
        "en": "{value!r} is out of range: {rule}",
        "ru": "{value!r} вне допустимого диапазона: {rule_ru}",
    },
    "unit_not_allowed": {
        "en": "unit {value!r} is not allowed for {drug}",
        "ru": "единица {value!r} недопустима для вещества «{drug_ru}»",
    },
    "not_a_drug": {
        "en": "{value} is a tobacco product, not a drug; record it under other_seized or omit it",
        "ru": "{value} — табачное изделие, а не наркотик; укажите его в прочих изъятиях или "
        "не указывайте",
    },
    "conflicting_seizure_value": {
        "en": "{value!r} differs from {first!r} given on row {first_row} for the same seizure_ref",
        "ru": "{value!r} отличается от {first!r} в строке {first_row} для того же seizure_ref",
    },
    "agency_mismatch": {
        "en": "{value!r} does not match {expected}",
        "ru": "{value!r} не соответствует {expected_ru}",
    },
    "not_member_of_agency": {
        "en": "you are not a member of agency {value}",
        "ru": "вы не состоите в ведомстве {value}",
    },
    "unknown_bcp": {
        "en": "{value!r} is not a crossing point of {country}{hint}",
        "ru": "{value!r} — не пункт пропуска страны {country_ru}{hint_ru}",
    },
    "invalid_coordinates": {
        "en": "{value!r}: {rule}",
        "ru": "{value!r}: {rule_ru}",
    },
    "invalid_phone": {
        "en": "{value!r} is not a valid phone number",
        "ru": "{value!r} — неверный номер телефона",
    },
    "invalid_vin": {
        "en": "{value!r} is not a VIN: 17 characters A-Z and 0-9 without I, O, Q",
        "ru": "{value!r} — не VIN: 17 символов A-Z и 0-9 без I, O, Q",
    },
    "invalid_document": {
        "en": "{value!r} is not a document number: 5-20 characters A-Z and 0-9",
        "ru": "{value!r} — неверный номер документа: 5-20 символов A-Z и 0-9",
    },
    "invalid_plate": {
        "en": "{value!r} is not a plate: 2-12 characters A-Z and 0-9",
        "ru": "{value!r} — неверный номерной знак: 2-12 символов A-Z и 0-9",
    },
    "unknown_seizure_ref": {
        "en": "seizure_ref {value!r} is neither in this import nor stored for the agency",
        "ru": "seizure_ref {value!r} нет ни в этом импорте, ни среди записей ведомства",
    },
    "marking_conflict": {
        "en": "{rule}",
        "ru": "{rule_ru}",
    },
    "encoding": {
        "en": "the file is neither UTF-8 nor Windows-1251 text",
        "ru": "файл не является текстом в кодировке UTF-8 или Windows-1251",
    },
    "file_too_large": {
        "en": "{value} exceeds the limit of {limit}",
        "ru": "{value} превышает предел {limit}",
    },
    "too_long": {
        "en": "too long: {length} characters, at most {limit}",
        "ru": "слишком длинно: {length} символов, не более {limit}",
    },
    "unreadable_file": {
        "en": "the file cannot be read: {detail}",
        "ru": "файл не удаётся прочитать: {detail}",
    },
}

# Names of the things a value may fail to be, for "unknown_code".
WHAT_RU: dict[str, str] = {
    "country": "страна",
    "agency": "ведомство",
    "drug": "вещество",
    "unit": "единица измерения",
    "form": "форма",
    "location type": "тип места",
    "mode of transport": "вид транспорта",
    "conveyance type": "тип транспортного средства",
    "direction": "направление",
    "concealment method": "способ сокрытия",
    "TLP": "TLP",
    "distribution": "распространение",
    "handling code": "код обращения",
    "source grade": "оценка источника",
    "information grade": "оценка информации",
    "role": "роль",
    "sex": "пол",
    "admin region": "административный регион",
}

RULES_RU: dict[str, str] = {
    "must be greater than 0": "должно быть больше 0",
    "percent must be in (0, 100]": "процент должен быть в пределах (0, 100]",
    "integer >= 0 required": "требуется целое число ≥ 0",
    "latitude and longitude go together": "широта и долгота указываются вместе",
    "latitude must be within -90..90": "широта должна быть в пределах -90..90",
    "longitude must be within -180..180": "долгота должна быть в пределах -180..180",
}


def render(code: str, lang: str, params: dict[str, Any]) -> str:
    """The reason for ``code`` in ``lang`` (``en`` or ``ru``), filled with ``params``."""
    templates = MESSAGES.get(code)
    if templates is None:
        return str(params.get("message") or code)
    values = dict(params)
    values.setdefault("value", "")
    values.setdefault("hint", "")
    values.setdefault("hint_ru", values["hint"])
    what = str(values.get("what", ""))
    values.setdefault("what_ru", WHAT_RU.get(what, what))
    rule = str(values.get("rule", ""))
    values.setdefault("rule_ru", RULES_RU.get(rule, rule))
    values.setdefault("expected_ru", values.get("expected", ""))
    values.setdefault("country_ru", values.get("country", ""))
    values.setdefault("drug_ru", values.get("drug", ""))
    template = templates.get(lang) or templates["en"]
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return templates["en"] if lang != "en" else code

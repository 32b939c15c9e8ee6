"""The pages' catalogs: every message of the templates and modules is translated into Russian."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dozor.web.ui.i18n import Formatter, translations

UI = Path(__file__).resolve().parent.parent / "src" / "dozor" / "web" / "ui"
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _extracted() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(UI), METHODS, keywords=keywords, options_map=OPTIONS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_russian_translation() -> None:
    with (UI / "i18n" / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ru")
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert "fuzzy" not in message.flags, key
        translated[key] = all(strings)
    messages = _extracted()
    assert len(messages) > 100
    missing = sorted(m for m in messages if not translated.get(m))
    assert not missing, (
        f"not translated into Russian (run pybabel update, see docs/ui.md): {missing}"
    )


def test_translations_and_plurals_work() -> None:
    ru = translations("ru")
    assert ru.gettext("Seizures") == "Изъятия"
    assert ru.ngettext("%(num)s seizure", "%(num)s seizures", 1) == "%(num)s изъятие"
    assert ru.ngettext("%(num)s seizure", "%(num)s seizures", 3) == "%(num)s изъятия"
    assert ru.ngettext("%(num)s seizure", "%(num)s seizures", 5) == "%(num)s изъятий"
    assert translations("en").gettext("Seizures") == "Seizures"


def test_numbers_dates_and_codes_in_the_users_language() -> None:
    from datetime import date

    ru, en = Formatter("ru"), Formatter("en")
    assert ru.number(12345) == "12\xa0345"
    assert en.number(12345) == "12,345"
    assert ru.kg(2.5) == "2,5"
    assert ru.date(date(2025, 3, 14)) == "14 мар. 2025\u202fг."
    assert en.date(date(2025, 3, 14)) == "Mar 14, 2025"
    assert ru.code("seizure_statuses", "released") == "Опубликовано"
    assert ru.country("UZB") == "Узбекистан"
    assert ru.bcp("zhibek_zholy") == "Жибек Жолы"
    assert ru.code("seizure_statuses", None) == "—"

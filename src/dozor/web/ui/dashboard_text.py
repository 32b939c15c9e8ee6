"""The words the dashboard's script shows (chart titles, table headers, feed), per language.

They travel to ``static/dashboard.js`` in a ``data-texts`` attribute, translated from the same
Babel catalogs as the templates (marked with ``N_`` so ``pybabel extract -k N_`` finds them).
``{name}`` placeholders are filled by the script.
"""

from __future__ import annotations

from dozor.web.ui.i18n import N_, translations

CLIENT_TEXTS: dict[str, str] = {
    "count": N_("Seizures"),
    "kg_eq": N_("kg-equivalent"),
    "period": N_("Period"),
    "drug_group": N_("Drug group"),
    "bcp": N_("Crossing point"),
    "place": N_("Place"),
    "country": N_("Country"),
    "origin": N_("Origin"),
    "transit": N_("Transit"),
    "destination": N_("Destination"),
    "route": N_("Route"),
    "from": N_("From"),
    "to": N_("To"),
    "no_data": N_("No seizures match these filters."),
    "load_error": N_("Could not load this panel."),
    "loading": N_("Loading…"),
    "unknown": N_("not stated"),
    "other": N_("other"),
    "unplaced": N_("{count} seizures have no position and are not on the map."),
    "approximate": N_(
        "{count} seizures without an exact position are shown at the centre of their country."
    ),
    "no_position": N_("no exact position"),
    "map_points": N_("{places} places, {count} seizures on the map."),
    "ts_describe": N_(
        "{title}: {count} seizures from {first} to {last}; most in {peak} ({peak_count})."
    ),
    "mix_describe": N_("{title}: the largest group is {top} with {share}% of seizures."),
    "routes_describe": N_("{title}: {n} routes; the busiest is {top} ({count} seizures)."),
    "bcp_describe": N_("{title}: the busiest is {top} with {count} seizures."),
    "feed_new": N_("new"),
    "feed_updated": N_("updated"),
    "feed_workflow": N_("status changed"),
    "feed_deleted": N_("removed"),
    "feed_connected": N_("Live: connected"),
    "feed_reconnecting": N_("Live: reconnecting…"),
    "feed_refreshed": N_("Panels updated {time}"),
    "crossing_point": N_("Crossing point (register)"),
}


def client_texts(lang: str) -> dict[str, str]:
    """:data:`CLIENT_TEXTS` translated into ``lang``."""
    gettext = translations(lang).gettext
    return {key: gettext(text) for key, text in CLIENT_TEXTS.items()}

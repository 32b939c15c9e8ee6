"""The marking block of DATA.md §2: distribution, TLP, handling codes and their rules.

Pure rules only; who may read what is decided in ``dozor.access``. The constraint messages
name both values and the rule, as DATA.md §2.3 asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dozor.domain.errors import InvalidValue

DISTRIBUTIONS: tuple[str, ...] = ("org", "national", "listed", "region", "public")
TLPS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
HANDLING_CODES: tuple[str, ...] = ("H0", "H1", "H2", "H3")
H3_MAX_LENGTH = 500

DISTRIBUTION_RANK = {name: rank for rank, name in enumerate(DISTRIBUTIONS)}
TLP_RANK = {name: rank for rank, name in enumerate(TLPS)}

# DATA.md §2.3: which distributions each TLP allows.
TLP_ALLOWED_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "RED": ("org", "listed"),
    "AMBER+STRICT": ("org", "listed"),
    "AMBER": ("org", "national", "listed"),
    "GREEN": ("org", "national", "listed", "region"),
    "CLEAR": DISTRIBUTIONS,
}


@dataclass(frozen=True, slots=True)
class Marking:
    """The handling rules that travel with every object and message."""

    distribution: str = "national"
    tlp: str = "AMBER"
    handling_codes: frozenset[str] = field(default_factory=lambda: frozenset({"H0"}))
    h3_text: str | None = None
    listed_agencies: frozenset[str] = frozenset()
    listed_countries: frozenset[str] = frozenset()

    def handling_text(self) -> str:
        """Codes in canonical order joined by ``;`` (H3 carries its text)."""
        return format_handling(self.handling_codes, self.h3_text)


def parse_tlp(text: str) -> str:
    """``TLP:amber``, ``amber`` → ``AMBER``; ``WHITE`` is imported as ``CLEAR``."""
    value = text.strip().upper()
    if value.startswith("TLP:"):
        value = value[4:].strip()
    value = value.replace(" ", "")
    if value == "WHITE":
        value = "CLEAR"
    if value not in TLP_RANK:
        raise InvalidValue("unknown_code", f"unknown TLP {text!r}", allowed=", ".join(TLPS))
    return value


def parse_handling(text: str) -> tuple[frozenset[str], str | None]:
    """``H1;H3:text`` → ({H1, H3}, "text"). H0 stands alone; H3 needs its text."""
    codes: set[str] = set()
    h3_text: str | None = None
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code, _, rest = part.partition(":")
        code = code.strip().upper()
        if code not in HANDLING_CODES:
            raise InvalidValue("unknown_code", f"unknown handling code {part!r}")
        if code == "H3":
            h3_text = rest.strip()
            if not h3_text:
                raise InvalidValue("unknown_code", "H3 needs its text, as H3:<text>")
            if len(h3_text) > H3_MAX_LENGTH:
                raise InvalidValue("too_long", "H3 text is too long", limit=H3_MAX_LENGTH)
        codes.add(code)
    if not codes:
        return frozenset({"H0"}), None
    if "H0" in codes and len(codes) > 1:
        raise InvalidValue("unknown_code", "H0 cannot be combined with another handling code")
    return frozenset(codes), h3_text


def format_handling(codes: Iterable[str], h3_text: str | None = None) -> str:
    """Canonical text of a set of handling codes."""
    parts = []
    for code in sorted(set(codes)):
        parts.append(f"H3:{h3_text}" if code == "H3" and h3_text else code)
    return ";".join(parts) or "H0"


def tlp_distribution_violation(
    tlp: str, distribution: str, *, listed_countries: Iterable[str] = ()
) -> str | None:
    """The rule a (TLP, distribution) pair breaks, or None. DATA.md §2.3 and §2.2."""
    allowed = TLP_ALLOWED_DISTRIBUTIONS[tlp]
    if distribution not in allowed:
        return f"TLP:{tlp} requires distribution {' or '.join(allowed)}; got {distribution}"
    if tlp == "AMBER+STRICT" and distribution == "listed" and any(True for _ in listed_countries):
        return "TLP:AMBER+STRICT allows a listed distribution naming agencies only; got countries"
    return None


def check_marking(marking: Marking) -> None:
    """Raise ``InvalidValue('marking_conflict')`` when the marking breaks DATA.md §2."""
    if marking.distribution not in DISTRIBUTION_RANK:
        raise InvalidValue("unknown_code", f"unknown distribution {marking.distribution!r}")
    problem = tlp_distribution_violation(
        marking.tlp, marking.distribution, listed_countries=marking.listed_countries
    )
    if problem:
        raise InvalidValue("marking_conflict", problem, tlp=marking.tlp, value=marking.distribution)
    listed = marking.listed_agencies or marking.listed_countries
    if marking.distribution == "listed" and not listed:
        raise InvalidValue("marking_conflict", "a listed distribution needs at least one entry")
    if marking.distribution != "listed" and listed:
        raise InvalidValue("marking_conflict", "agency or country lists go only with listed")
    if "H3" in marking.handling_codes and not marking.h3_text:
        raise InvalidValue("marking_conflict", "handling code H3 needs h3_text")


def is_stricter_or_equal(child: Marking, parent: Marking) -> bool:
    """DATA.md §2.7: a child may only narrow its parent's marking."""
    if DISTRIBUTION_RANK[child.distribution] > DISTRIBUTION_RANK[parent.distribution]:
        return False
    if child.distribution == "listed" and parent.distribution == "listed":
        if not child.listed_agencies <= parent.listed_agencies:
            return False
        if not child.listed_countries <= parent.listed_countries:
            return False
    if TLP_RANK[child.tlp] < TLP_RANK[parent.tlp]:
        return False
    parent_codes = parent.handling_codes - {"H0"}
    return parent_codes <= child.handling_codes


def most_restrictive(markings: Iterable[Marking]) -> Marking:
    """Bundle rule of §2.7: highest TLP, union of handling codes, narrowest distribution.

    Listed audiences intersect; the result is the marking a multi-object export or a
    dashboard tile carries.
    """
    items = list(markings)
    if not items:
        raise ValueError("most_restrictive() needs at least one marking")
    tlp = max((m.tlp for m in items), key=TLP_RANK.__getitem__)
    distribution = min((m.distribution for m in items), key=DISTRIBUTION_RANK.__getitem__)
    codes = frozenset().union(*(m.handling_codes for m in items))
    if len(codes) > 1:
        codes = codes - {"H0"}
    h3_texts = [m.h3_text for m in items if m.h3_text]
    listed = [m for m in items if m.distribution == "listed"]
    agencies: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    if distribution == "listed" and listed:
        agencies = frozenset.intersection(*(m.listed_agencies for m in listed))
        countries = frozenset.intersection(*(m.listed_countries for m in listed))
    if tlp_distribution_violation(tlp, distribution, listed_countries=countries):
        # The highest TLP may not allow the narrowest distribution (e.g. RED with national):
        # only the owner is then both within every input's audience and allowed by §2.3.
        distribution, agencies, countries = "org", frozenset(), frozenset()
    return Marking(
        distribution=distribution,
        tlp=tlp,
        handling_codes=codes or frozenset({"H0"}),
        h3_text=" / ".join(sorted(set(h3_texts))) or None,  # sorted: independent of order
        listed_agencies=agencies,
        listed_countries=countries,
    )


def clip_to_parent(child: Marking, parent: Marking) -> Marking:
    """The child's marking made no broader than its parent's (DATA.md §6.2 persons)."""
    merged = most_restrictive([child, parent])
    if merged.distribution == "listed" and not (merged.listed_agencies or merged.listed_countries):
        # Two listed audiences with nothing in common leave only the owner.
        return Marking("org", merged.tlp, merged.handling_codes, merged.h3_text)
    if merged.distribution == "listed" and child.distribution != "listed":
        merged = Marking(
            "listed",
            merged.tlp,
            merged.handling_codes,
            merged.h3_text,
            parent.listed_agencies,
            parent.listed_countries,
        )
    return merged

"""Scoring one pair of persons: evidence per feature, added as log-odds, squashed to [0, 1].

Every feature contributes a weight (natural log-odds; positive for "same person") and says
which values it compared. The weights are set by reasoning about how often each kind of
agreement happens between two different people, not fitted to a data set:

- names: similarity of the best reading pair (Jaro-Winkler on the phonetic form and on the
  vowel-folded form), surname and given name also tried crossed (swapped fields);
- date of birth: equal full dates are strong; a partial date that agrees counts less;
  birth years two or more apart are near-proof of two people (father and son);
- patronymic: the father's name must agree when both records have one;
- passport number: the same number is near-proof of one person; phone: strong, as family
  members share phones; nationality: weak; a male and a female form (-ov/-ova,
  -ovich/-ovna, o'g'li/qizi) is evidence against.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from dozor.matching.identity.names import NameForms, fold_vowels, loose
from dozor.matching.identity.records import PartialDate, PersonRecord, PreparedPerson, prepare

DEFAULT_THRESHOLD = 0.5
_BIAS = -7.0


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One feature's contribution (log-odds) and what was compared."""

    contribution: float
    left: str
    right: str
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "contribution": round(self.contribution, 3),
            "left": self.left,
            "right": self.right,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The score in [0, 1], whether it reaches the threshold, and the evidence per feature."""

    score: float
    is_match: bool
    features: dict[str, FeatureScore]


def _interp(x: float, xs: tuple[float, ...], ys: tuple[float, ...]) -> float:
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


_NAME_X = (0.70, 0.80, 0.85, 0.88, 0.93, 0.97, 1.0)
_NAME_Y = (-6.0, -4.5, -2.5, 0.5, 2.5, 3.5, 4.0)
_MAX_NAME_WEIGHT = 2 * _NAME_Y[-1]  # both names agree in full
_PATRONYMIC_X = (0.75, 0.85, 0.92, 1.0)
_PATRONYMIC_Y = (-4.5, -0.5, 1.5, 2.0)


_FOLDED_DISCOUNT = 0.02
_LOOSE_DISCOUNT = 0.06
_MORPHEME_CAP = 0.85


def string_similarity(a: str, b: str) -> float:
    """Similarity of two readings in [0, 1]: 0.8 × Jaro-Winkler + 0.2 × edit similarity.

    Jaro-Winkler takes the best of three views, the looser discounted: as read; with a/o
    and e/i folded (Usmonov/Usmanov, Temur/Timur), less 0.02; and `names.loose` (every vowel
    one symbol, z as s: Мырат/Мурат, Үсөнов/Усенов, Orasow/Оразов), less 0.06 (more for
    names under six letters). Readings equal in a view score at least one minus its discount.
    Jaro-Winkler is generous to long shared prefixes; the edit view (Damerau's optimal string
    alignment on the readings as they are: two swapped letters are one keying error, as a
    dropped one is) keeps "Abdurahmonov" and "Abdurashidov", "Aliev" and "Alimov" apart.
    """
    if a == b:
        return 1.0
    edit = OSA.normalized_similarity(a, b) * 0.2
    jaro = JaroWinkler.normalized_similarity(a, b)
    if abs(len(a) - len(b)) >= 3:
        # Three letters more is another name part, not a typo: Asanov and Asanaliev,
        # Rustam and Rustambek share a prefix but are different names.
        return min(jaro * 0.8 + edit, _MORPHEME_CAP)
    fa, fb = fold_vowels(a), fold_vowels(b)
    if fa == fb:
        return max(jaro * 0.8 + edit, 1.0 - _FOLDED_DISCOUNT)
    jaro = max(jaro, JaroWinkler.normalized_similarity(fa, fb) - _FOLDED_DISCOUNT)
    # Short names lose more of what tells them apart when their vowels go (Asan/Usen).
    discount = _LOOSE_DISCOUNT + 0.02 * max(0, 6 - min(len(a), len(b)))
    la, lb = loose(a), loose(b)
    if la == lb:
        return max(jaro * 0.8 + edit, 1.0 - discount)
    jaro = max(jaro, JaroWinkler.normalized_similarity(la, lb) - discount)
    return jaro * 0.8 + edit


def best_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, str, str]:
    """The most similar pair of readings: (similarity, reading of a, reading of b)."""
    best = (-1.0, "", "")
    for x in a:
        for y in b:
            s = string_similarity(x, y)
            if s > best[0]:
                best = (s, x, y)
                if s == 1.0:
                    return best
    return best


@lru_cache(maxsize=1 << 21)
def field_similarity(a: NameForms, b: NameForms) -> float:
    """Similarity of the full readings of two name fields (cached by identity)."""
    return best_similarity(a.full, b.full)[0]


@lru_cache(maxsize=1 << 21)
def surname_similarity(a: NameForms, b: NameForms) -> float:
    """Surname similarity: the full forms, or half credit from the stems (-ov/-ova removed)."""
    full = field_similarity(a, b)
    if full == 1.0:
        return full
    stem = best_similarity(a.stem, b.stem)[0]
    return max(full, (full + stem) / 2)


@lru_cache(maxsize=1 << 16)
def _name_weight(similarity: float) -> float:
    return _interp(similarity, _NAME_X, _NAME_Y)


def _name_evidence(
    sa: NameForms, ga: NameForms, sb: NameForms, gb: NameForms
) -> tuple[float, float, float, bool]:
    """(weight, surname similarity, given-name similarity or -1, swapped)."""
    direct_s = surname_similarity(sa, sb)
    has_given = bool(ga.full and gb.full)
    direct_g = field_similarity(ga, gb) if has_given else -1.0
    total = _name_weight(direct_s) + (_name_weight(direct_g) if has_given else 0.0)
    if has_given and (direct_s < 0.97 or direct_g < 0.97):
        cross_s = field_similarity(sa, gb)
        cross_g = field_similarity(ga, sb)
        cross = _name_weight(cross_s) + _name_weight(cross_g) - 0.3
        if cross > total:
            return cross, cross_s, cross_g, True
    return total, direct_s, direct_g, False


@lru_cache(maxsize=1 << 20)
def _patronymic_evidence(a: NameForms, b: NameForms) -> tuple[float, float, str, str]:
    sim, x, y = best_similarity(a.stem, b.stem)
    return _interp(sim, _PATRONYMIC_X, _PATRONYMIC_Y), sim, x, y


def patronymic_weight(a: NameForms, b: NameForms) -> float:
    """The evidence of two patronymics (the fathers' names): negative when they differ."""
    return _patronymic_evidence(a, b)[0]


def _date_text(d: PartialDate) -> str:
    y, m, day = d
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{day:02d}" if m and day else "")


def dob_evidence(a: PartialDate, b: PartialDate) -> tuple[float, str]:
    """The weight of two dates of birth (negative: two people) and what it says."""
    (ya, ma, da), (yb, mb, db) = a, b
    full = bool(ma and da and mb and db)
    if full and a == b:
        return 6.0, "same date"
    if full:
        ta, tb = _date_text(a), _date_text(b)
        if Levenshtein.distance(ta, tb) <= 1 or (ya == yb and ma == db and da == mb):
            # A keying error: the date still says at least what its year says.
            return (2.0 if ya == yb else -1.0), "one digit or day and month differ"
        gap = abs((date(ya, ma, da) - date(yb, mb, db)).days)  # type: ignore[arg-type]
        if gap <= 3:
            return 0.0, f"{gap} days apart"
    if ya != yb:
        if abs(ya - yb) >= 2:
            return -9.0, f"born {abs(ya - yb)} years apart"
        return -3.5, "birth years differ by one"
    if ma and mb and ma != mb:
        return -2.5, "same year, different month"
    if ma and mb:
        return (-2.0, "same month, different day") if (da and db) else (2.5, "same year and month")
    return 2.0, "same year"


def _ratio(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def name_frequency_weight(name_count: int) -> float:
    """Evidence lost when the name is common: log of the people who carry it."""
    return -math.log(name_count) if name_count > 1 else 0.0


def _evaluate(
    a: PreparedPerson,
    b: PreparedPerson,
    name_count: int,
    out: dict[str, FeatureScore] | None,
    floor: float = -math.inf,
) -> tuple[float, bool]:
    """The log-odds that two records are one person, and whether the names weigh for it
    (then a name count above one lowers it); with `out`, also the evidence.

    One function for the fast path (batch, index: no explanation) and the explained one, so
    that the two can never disagree. The names are weighed last, and not at all when even
    perfectly agreeing names could not lift the total to `floor` (then a value below `floor`
    is returned): most candidate pairs of a batch are settled by their dates alone.
    """
    total = _BIAS
    if a.dob and b.dob:
        weight, detail = dob_evidence(a.dob, b.dob)
        total += weight
        if out is not None:
            out["date_of_birth"] = FeatureScore(
                weight, a.record.date_of_birth, b.record.date_of_birth, detail
            )
    if a.patronymic.stem and b.patronymic.stem:
        weight, sim, x, y = _patronymic_evidence(a.patronymic, b.patronymic)
        total += weight
        if out is not None:
            out["patronymic"] = FeatureScore(
                weight, a.record.patronymic, b.record.patronymic, f"father {x}/{y} {sim:.3f}"
            )
    if a.gender and b.gender and a.gender != b.gender:
        total -= 3.0
        if out is not None:
            out["gender"] = FeatureScore(-3.0, a.gender, b.gender, "male and female forms")
    if a.passport and b.passport:
        same_country = not a.nationality or not b.nationality or a.nationality == b.nationality
        if a.passport == b.passport and same_country:
            weight, detail = 7.0, "same passport number"
        elif a.passport != b.passport and a.nationality and a.nationality == b.nationality:
            weight, detail = -1.5, "different passport numbers of one country"
        else:
            weight, detail = 0.0, "not comparable"
        total += weight
        if out is not None:
            out["passport"] = FeatureScore(weight, a.passport, b.passport, detail)
    if a.phone and b.phone and a.phone == b.phone:
        total += 2.5
        if out is not None:
            out["phone"] = FeatureScore(2.5, a.phone, b.phone, "same number")
    if a.nationality and b.nationality:
        weight = 0.3 if a.nationality == b.nationality else -1.0
        total += weight
        if out is not None:
            out["nationality"] = FeatureScore(weight, a.nationality, b.nationality)
    if total + _MAX_NAME_WEIGHT < floor:
        return total + _MAX_NAME_WEIGHT, False
    first: dict[str, FeatureScore] = {}
    names_for = False
    if a.surname.full and b.surname.full:
        weight, sim_s, sim_g, swapped = _name_evidence(a.surname, a.given, b.surname, b.given)
        total += weight
        names_for = weight > 0
        if out is not None:
            detail = f"surname {sim_s:.3f}" + (f", given {sim_g:.3f}" if sim_g >= 0 else "")
            if swapped:
                detail += ", surname and given name swapped"
            first["names"] = FeatureScore(
                weight,
                f"{a.record.surname} | {a.record.given_name}",
                f"{b.record.surname} | {b.record.given_name}",
                detail,
            )
        if name_count > 1 and weight > 0:
            penalty = name_frequency_weight(name_count)
            total += penalty
            if out is not None:
                first["name_frequency"] = FeatureScore(
                    penalty, str(name_count), "", "about this many people carry the name"
                )
    if out is not None:
        # The names lead the explanation.
        rest = dict(out)
        out.clear()
        out.update(first)
        out.update(rest)
    return total, names_for


def pair_log_odds(
    a: PreparedPerson, b: PreparedPerson, name_count: int = 1, floor: float = -math.inf
) -> float:
    """The log-odds of `compare_prepared` without the explanation (the batch's fast path).

    When the log-odds is below `floor`, any value below `floor` may be returned.
    """
    return _evaluate(a, b, name_count, None, floor)[0]


def pair_log_odds_before_frequency(
    a: PreparedPerson, b: PreparedPerson, floor: float = -math.inf
) -> tuple[float, bool]:
    """`pair_log_odds` with the name count not yet known: (log-odds with a name count of one,
    whether a higher count lowers it). Then ``log_odds + name_frequency_weight(count)``
    (when the flag is set) is exactly `pair_log_odds(a, b, count)`."""
    return _evaluate(a, b, 1, None, floor)


def score_of(log_odds: float) -> float:
    """A log-odds squashed to the [0, 1] score of `MatchResult`."""
    return _ratio(log_odds)


def compare_prepared(
    a: PreparedPerson,
    b: PreparedPerson,
    threshold: float = DEFAULT_THRESHOLD,
    name_count: int = 1,
) -> MatchResult:
    """`compare` on prepared records (the index and the batch prepare each record once)."""
    features: dict[str, FeatureScore] = {}
    score = _ratio(_evaluate(a, b, name_count, features)[0])
    return MatchResult(score, score >= threshold, features)


def compare(
    a: PersonRecord,
    b: PersonRecord,
    threshold: float = DEFAULT_THRESHOLD,
    name_count: int = 1,
) -> MatchResult:
    """Whether two records are one person: score in [0, 1], decision, evidence per feature.

    `name_count` is about how many people of the population carry this name (`PersonIndex`
    and `deduplicate` estimate it): a name shared by many people proves less.
    """
    return compare_prepared(prepare(a), prepare(b), threshold, name_count)

"""Identity matching of persons across scripts and transliterations (issue #6, item 3).

Public API (stable; the DB-backed matching code and the CLI call only this):

``PersonRecord(id, surname, given_name, patronymic, date_of_birth, nationality,
passport_number, phone)``
    A frozen dataclass of strings ("" = unknown). `date_of_birth` may be partial (``YYYY``,
    ``YYYY-MM``) or full (``YYYY-MM-DD``, ``DD.MM.YYYY``); `nationality` is ISO3 and also
    taken as the passport's issuing country and the phone's default region.

``compare(a, b, threshold=0.5, name_count=1) -> MatchResult``
    ``MatchResult(score: float in [0, 1], is_match: bool, features: dict[str, FeatureScore])``;
    ``FeatureScore(contribution, left, right, detail)`` is one feature's log-odds weight and
    the values it compared (features: names, name_frequency, date_of_birth, patronymic,
    gender, passport, phone, nationality). `compare` is symmetric. `name_count` is about how
    many people of the population carry the name (common names prove less); `PersonIndex`
    and `deduplicate` estimate it from their data.

``blocking_keys(record) -> frozenset[str]``
    Two records are candidates only when they share a key (see `blocking`).

``PersonIndex(block_cap=1000, threshold=0.5)``
    In memory: ``add(record)`` (replaces the same id), ``remove(id)``,
    ``candidates(record, limit=20) -> list[(PersonRecord, MatchResult)]`` best first.

``pair_log_odds(prepared_a, prepared_b, name_count=1)`` (in `compare`)
    The log-odds of `compare` without building the explanation: the fast path of the batch
    and the index. Both go through one function, so they cannot disagree.

``dozor.matching.batch.deduplicate(records, progress=None) -> dict[id, cluster_id]``
    Batch clustering (union-find over matched pairs, strongest first, refusing joins that
    would put two birth dates, two fathers or two genders into one cluster);
    `cluster_persons` returns the clusters and the matched pairs (`explain=True`: with their
    explanations), `match_pairs` the pairs only.

Names are folded by `names.readings` (see there for the equivalences).
"""

from dozor.matching.identity.blocking import PersonIndex, blocking_keys
from dozor.matching.identity.compare import (
    DEFAULT_THRESHOLD,
    FeatureScore,
    MatchResult,
    compare,
)
from dozor.matching.identity.records import PersonRecord

__all__ = [
    "DEFAULT_THRESHOLD",
    "FeatureScore",
    "MatchResult",
    "PersonIndex",
    "PersonRecord",
    "blocking_keys",
    "compare",
]

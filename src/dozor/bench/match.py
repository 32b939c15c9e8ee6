"""``dozor bench match``: identity matching vs. a Splink model, same data, same run.

The population comes from `person_variants` (known truth). Both sides are scored with
pairwise precision, recall and F1 over their clusters. Splink is configured as its
documentation's person-deduplication examples do: names with `NameComparison` and term
frequencies, `DateOfBirthComparison`, exact matches on the other fields, deterministic
rules for the prior, u by random sampling, m by expectation maximisation on two blocking
rules, predictions clustered at 0.5. It gets the names already folded with `match_key`
(ICAO transliteration, DATA.md §1) and phones in E.164, the cleaning its guide asks for.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence

from dozor.bench.memory import TreeMemory, children_peak_rss_mib
from dozor.bench.person_variants import PopulationBuilder, generate
from dozor.bench.report import Report, Result, peak_rss_mib
from dozor.domain.translit import match_key
from dozor.matching.batch import deduplicate
from dozor.matching.identity.blocking import PersonIndex
from dozor.matching.identity.records import PersonRecord, phone_key, prepare


def pairwise_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the truth."""

    def pairs(counts: Counter[object]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    both = pairs(Counter((predicted[r], truth[r]) for r in truth))
    found = pairs(Counter(predicted[r] for r in truth))
    real = pairs(Counter(truth.values()))
    return (both / found if found else 1.0), (both / real if real else 1.0)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _splink_rows(records: Sequence[PersonRecord]) -> dict[str, list[object]]:
    columns: dict[str, list[object]] = {
        k: []
        for k in (
            "unique_id",
            "first_name",
            "surname",
            "patronymic",
            "dob",
            "nationality",
            "passport",
            "phone",
        )
    }
    for r in records:
        p = prepare(r)
        dob = p.dob
        columns["unique_id"].append(r.id)
        columns["first_name"].append(match_key(r.given_name) or None)
        columns["surname"].append(match_key(r.surname) or None)
        columns["patronymic"].append(match_key(r.patronymic) or None)
        columns["dob"].append(
            f"{dob[0]:04d}-{dob[1]:02d}-{dob[2]:02d}" if dob and dob[1] and dob[2] else None
        )
        columns["nationality"].append(p.nationality or None)
        columns["passport"].append(p.passport or None)
        columns["phone"].append(phone_key(r.phone, p.nationality) or None)
    return columns


def run_splink(records: Sequence[PersonRecord], seed: int = 1) -> dict[str, str]:
    """Cluster the records with Splink (DuckDB): record id → cluster id."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = DuckDBAPI()
    table = db_api.register(pa.table(_splink_rows(records)))
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("passport"),
            block_on("phone"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("passport"),
            cl.ExactMatch("phone"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("passport")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=seed)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    )
    rows = db_api.duckdb_con.sql(
        f"select unique_id, cluster_id from {clusters.physical_name}"
    ).fetchall()
    return {str(u): str(c) for u, c in rows}


def _latency(records: Sequence[PersonRecord], seed: int, queries: int) -> float:
    """p95 milliseconds of `PersonIndex.candidates` for new records against all of them."""
    index = PersonIndex()
    collecting = gc.isenabled()
    gc.disable()  # millions of small objects, none cyclic
    try:
        for r in records:
            index.add(r)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()  # a long-lived index: keep full collections from walking it during queries
    builder = PopulationBuilder(seed + 1000)
    rng = random.Random(seed)
    probes: list[PersonRecord] = []
    for k in range(queries):
        if k % 2:
            probes.append(rng.choice(records))  # a person already known, maybe written again
        else:
            probes.append(builder.record(builder.identity(), f"Q{k}"))
    timings = []
    for probe in probes:
        start = time.perf_counter()
        index.candidates(probe)
        timings.append((time.perf_counter() - start) * 1000)
    gc.unfreeze()
    return statistics.quantiles(timings, n=20)[18]


def run(
    persons: int, seed: int = 11, with_splink: bool = True, latency_queries: int = 400
) -> Report:
    """Generate, deduplicate both ways, score, and time one-vs-N matching."""
    records, truth = generate(persons, seed)
    report = Report("match", {"persons": persons, "seed": seed, "splink": with_splink})

    workers = os.cpu_count() or 1
    with TreeMemory() as dedup_memory:
        start = time.perf_counter()
        ours = deduplicate(records, workers=workers)
        ours_s = time.perf_counter() - start
    children = children_peak_rss_mib()  # before Splink, which runs in this process
    p, r = pairwise_scores(ours, truth)
    f1 = _f1(p, r)

    splink_p = splink_r = splink_f1 = splink_s = None
    if with_splink:
        start = time.perf_counter()
        theirs = run_splink(records, seed)
        splink_s = time.perf_counter() - start
        splink_p, splink_r = pairwise_scores(theirs, truth)
        splink_f1 = _f1(splink_p, splink_r)

    def ratio(a: float, b: float | None) -> float | None:
        return a / b if b else None

    def pct(x: float | None) -> float | None:
        return None if x is None else 100 * x

    report.results += [
        Result("precision", 100 * p, "%", pct(splink_p), ratio(p, splink_p)),
        Result("recall", 100 * r, "%", pct(splink_r), ratio(r, splink_r)),
        Result(
            "F1",
            100 * f1,
            "%",
            pct(splink_f1),
            ratio(f1, splink_f1),
            ">= 95% and > Splink",
            f1 >= 0.95 and (splink_f1 is None or f1 > splink_f1),
        ),
        Result(
            "batch dedup time",
            ours_s,
            "s",
            splink_s,
            ratio(ours_s, splink_s),
            "<= Splink; <= 300 s at 1,000,000",
            (splink_s is None or ours_s <= splink_s) and (persons < 1_000_000 or ours_s <= 300),
        ),
    ]
    report.results += [
        Result(
            "batch dedup memory (parent peak RSS + workers' private)",
            dedup_memory.total_mib,
            "MiB",
            target="<= 8192 MiB",
            ok=dedup_memory.total_mib <= 8192,
        ),
        Result(
            "batch dedup workers' private memory (peak)", dedup_memory.workers_private_mib, "MiB"
        ),
        Result(f"batch dedup largest worker peak RSS (of {workers})", children, "MiB"),
    ]
    latency = _latency(records, seed, latency_queries)
    report.results.append(
        Result(f"p95 one vs {persons:,}", latency, "ms", target="<= 50 ms", ok=latency <= 50)
    )
    rss = peak_rss_mib()
    report.results.append(Result("peak memory of the bench process (RSS)", rss, "MiB"))
    return report

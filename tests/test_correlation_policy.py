"""The access policy in correlations, frequent values, candidate lists, clusters and the link
chart: users of other countries neither see national-only records nor learn of them through
counts. Hand-written cases, and a property test against the oracle (tests/oracle.py)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert

import oracle
from dozor.matching import candidates, selector_index
from dozor.matching.clusters import cluster_of
from dozor.matching.correlation import object_correlations
from dozor.matching.exclusions import frequent_values
from dozor.matching.graph import link_chart
from dozor.matching.judgements import record_judgement, withdraw_judgement
from dozor.store.schema import person_phone
from policy_world import WorldBuilder, random_world

PHONES = ("+77011234567", "+996555123456", "+992900123456", "+998901234567")


def add_phone(conn: Connection, person_id: str, e164: str) -> None:
    conn.execute(
        insert(person_phone),
        {
            "id": f"ph-{person_id[:24]}-{e164[-4:]}",
            "person_id": person_id,
            "raw": e164,
            "e164": e164,
            "valid": True,
            "country": None,
        },
    )


def matches(found: dict[str, Any] | None, kind: str) -> tuple[str, set[str]]:
    assert found is not None
    (item,) = [s for s in found["selectors"] if s["kind"] == kind]
    return item["status"], {m["id"] for m in item["matches"]}


def test_other_countries_see_neither_hidden_records_nor_their_count(engine: Engine) -> None:
    with engine.connect() as conn, conn.begin():
        w = WorldBuilder(conn)
        kaz = w.add_seizure("KAZ-CUSTOMS", "released", "region")
        kgz = w.add_seizure("KGZ-BORDER", "released", "region")
        uzb = w.add_seizure("UZB-CUSTOMS", "released", "region")
        p_kaz = w.add_person(kaz)  # national: Kazakh agencies only
        p_kgz = w.add_person(kgz)  # national: Kyrgyz agencies only
        p_uzb = w.add_person(uzb, distribution="listed", listed_countries=("KAZ",))
        for p in (p_kaz, p_kgz, p_uzb):
            add_phone(conn, p.id, PHONES[0])
        selector_index.rebuild(conn)
        candidates.rebuild(conn)
        kaz_analyst = w.viewer("KAZ-POLICE")
        kgz_analyst = w.viewer("KGZ-CUSTOMS")

        def correlations(viewer: oracle.Viewer, pid: str, cap: int = 20) -> Any:
            return object_correlations(conn, viewer, "person", pid, max_frequency=cap, node="t")

        # Kazakhstan sees its own record and the Uzbek one listed to it, not the Kyrgyz one.
        assert matches(correlations(kaz_analyst, p_kaz.id), "phone") == ("correlated", {p_uzb.id})
        assert correlations(kaz_analyst, p_kaz.id)["correlated"] == 1
        assert correlations(kaz_analyst, p_kgz.id) is None
        # Kyrgyzstan sees only its own record: no match, and no hint of the others.
        assert matches(correlations(kgz_analyst, p_kgz.id), "phone") == ("no_match", set())
        assert correlations(kgz_analyst, p_kaz.id) is None
        # The cap counts visible records only: three hold the phone, Kazakhstan sees two.
        assert matches(correlations(kaz_analyst, p_kaz.id, cap=2), "phone")[0] == "correlated"
        assert matches(correlations(kaz_analyst, p_kaz.id, cap=1), "phone")[0] == "frequent"
        assert matches(correlations(kgz_analyst, p_kgz.id, cap=1), "phone")[0] == "no_match"
        assert frequent_values(conn, threshold=2)[0]["count"] == 3  # the operator's view
        assert frequent_values(conn, threshold=2, viewer=kaz_analyst) == []
        assert frequent_values(conn, threshold=1, viewer=kgz_analyst) == []
        assert frequent_values(conn, threshold=1, viewer=kaz_analyst)[0]["count"] == 2
        # Admins and auditors read no content.
        assert correlations(w.viewer("KAZ-POLICE", "national_admin"), p_kaz.id) is None

        # Candidates (the builder's persons all have the same name and birth date).
        queue = candidates.candidate_queue(conn, kaz_analyst)
        assert {(q["person_a"], q["person_b"]) for q in queue} == {
            tuple(sorted((p_kaz.id, p_uzb.id)))
        }
        assert candidates.candidate_queue(conn, kgz_analyst) == []
        assert candidates.person_candidates(conn, kgz_analyst, p_kaz.id) is None
        mine = candidates.person_candidates(conn, kgz_analyst, p_kgz.id)
        assert mine == []

        # The link chart from the phone or the person never reaches the Kyrgyz record.
        for start in (f"phone:{PHONES[0]}", f"person:{p_kaz.id}"):
            chart = link_chart(conn, kaz_analyst, start, depth=3, max_frequency=20, node="t")
            assert chart is not None
            ids = {n["id"] for n in chart["nodes"]}
            assert f"person:{p_kgz.id}" not in ids and f"seizure:{kgz.id}" not in ids
            assert {f"person:{p_kaz.id}", f"person:{p_uzb.id}", f"seizure:{uzb.id}"} <= ids
            assert all(lk["source"] in ids and lk["target"] in ids for lk in chart["links"])
        chart = link_chart(
            conn, kgz_analyst, f"phone:{PHONES[0]}", depth=3, max_frequency=20, node="t"
        )
        assert chart is not None
        assert {n["id"] for n in chart["nodes"]} == {
            f"phone:{PHONES[0]}",
            f"person:{p_kgz.id}",
            f"seizure:{kgz.id}",
        }
        assert (
            link_chart(conn, kgz_analyst, f"person:{p_kaz.id}", max_frequency=20, node="t") is None
        )
        conn.rollback()


def test_judgements_form_reversible_clusters_within_what_each_viewer_sees(
    engine: Engine,
) -> None:
    with engine.connect() as conn, conn.begin():
        w = WorldBuilder(conn)
        kaz = w.add_seizure("KAZ-CUSTOMS", "released", "region")
        kgz = w.add_seizure("KGZ-BORDER", "released", "region")
        a, b = w.add_person(kaz), w.add_person(kaz)
        hidden = w.add_person(kgz, distribution="listed", listed_agencies=("KAZ-POLICE",))
        kaz_analyst = w.viewer("KAZ-POLICE")
        judge = _Judge(kaz_analyst, "kaz-user")
        # a = hidden = b, judged by a Kazakh analyst who sees all three.
        first = record_judgement(
            conn, judge, a.id, hidden.id, "same", "same passport photo", node="t"
        )
        second = record_judgement(conn, judge, hidden.id, b.id, "same", node="t")
        cluster = cluster_of(conn, kaz_analyst, a.id)
        assert cluster is not None
        assert {m["id"] for m in cluster["members"]} == {a.id, b.id, hidden.id}
        assert cluster["cluster_id"] == min(a.id, b.id, hidden.id)
        # The Kyrgyz owner sees only its own person (listed to KAZ-POLICE): alone.
        kgz_analyst = w.viewer("KGZ-BORDER")
        alone = cluster_of(conn, kgz_analyst, hidden.id)
        assert alone is not None and [m["id"] for m in alone["members"]] == [hidden.id]
        assert alone["judgements"] == []
        assert cluster_of(conn, w.viewer("UZB-CUSTOMS"), a.id) is None
        # Kazakh customs see a and b but not the Kyrgyz person: it does not bridge them.
        customs = cluster_of(conn, w.viewer("KAZ-CUSTOMS"), a.id)
        assert customs is not None and [m["id"] for m in customs["members"]] == [a.id]
        # Withdrawing a judgement splits the cluster; nothing was merged.
        withdraw_judgement(conn, judge, second["id"], node="t")
        split = cluster_of(conn, kaz_analyst, b.id)
        assert split is not None and [m["id"] for m in split["members"]] == [b.id]
        assert {m["id"] for m in cluster_of(conn, kaz_analyst, a.id)["members"]} == {
            a.id,
            hidden.id,
        }
        # A new judgement on a pair supersedes the old one.
        record_judgement(conn, judge, a.id, hidden.id, "not_same", node="t")
        assert [m["id"] for m in cluster_of(conn, kaz_analyst, a.id)["members"]] == [a.id]
        assert first["verdict"] == "same"
        conn.rollback()


class _Judge:
    """An oracle viewer acting as a user (what `record_judgement` needs)."""

    def __init__(self, viewer: oracle.Viewer, user_id: str) -> None:
        self.agency_id = viewer.agency_id
        self.country = viewer.country
        self.is_hub = viewer.is_hub
        self.membership = viewer.membership
        self.roles = viewer.roles
        self.user_id = user_id


# -- property test ------------------------------------------------------------------------------

CAP = 3


def _value_of(n: oracle.Nominal, phones: dict[str, str], plates: dict[str, str]) -> str | None:
    return phones.get(n.id) if n.kind == "person" else plates.get(n.id)


def _check(
    conn: Connection,
    world: oracle.World,
    viewer: oracle.Viewer,
    phones: dict[str, str],
    plates: dict[str, str],
    stats: Counter[str],
    problems: list[str],
) -> None:
    now = datetime.now(UTC)

    def seen(n: oracle.Nominal) -> bool:
        return n.erased_at is None and oracle.nominal_visible(world, viewer, n, now)

    for n in world.nominals.values():
        stats["pairs"] += 1
        kind = "person" if n.kind == "person" else "conveyance"
        found = object_correlations(conn, viewer, kind, n.id, max_frequency=CAP, node="t")
        if found is None or not seen(n):
            if (found is None) == seen(n):
                problems.append(f"{viewer.label} {n.kind} {n.id}: shown={found is not None}")
            continue
        value = _value_of(n, phones, plates)
        selector = "phone" if n.kind == "person" else "plate"
        holders = {
            o.id
            for o in world.nominals.values()
            if o.id != n.id
            and o.kind == n.kind
            and _value_of(o, phones, plates) == value
            and seen(o)
        }
        want = (
            ("frequent", set())
            if len(holders) >= CAP
            else (("correlated", holders) if holders else ("no_match", set()))
        )
        got = matches(found, selector)
        if got != want:
            problems.append(f"{viewer.label} {n.kind} {n.id}: {got} != {want}")
        for item in found["selectors"]:
            for match in item["matches"]:
                visible_seizures = {
                    s
                    for s in world.nominals[match["id"]].seizure_ids
                    if oracle.seizure_visible(world, viewer, world.seizures[s], now)
                }
                if {s["id"] for s in match["seizures"]} != visible_seizures:
                    problems.append(f"{viewer.label}: seizures of match {match['id']}")
        stats["correlations"] += len(got[1])
    # The candidate queue and the link chart never show an invisible person.
    visible_ids = {n.id for n in world.nominals.values() if seen(n)}
    for pair in candidates.candidate_queue(conn, viewer, min_score=0.0, limit=500):
        if not {pair["person_a"], pair["person_b"]} <= visible_ids:
            problems.append(f"{viewer.label}: candidate pair with a hidden person")
        stats["candidate pairs"] += 1
    for n in list(world.nominals.values())[:4]:
        start = f"{'person' if n.kind == 'person' else 'vehicle'}:{n.id}"
        chart = link_chart(conn, viewer, start, depth=3, max_frequency=CAP, node="t")
        if (chart is not None) != seen(n):
            problems.append(f"{viewer.label}: chart from hidden {start}")
        for node in chart["nodes"] if chart else []:
            kind, _, rest = node["id"].partition(":")
            if kind in ("person", "vehicle") and rest not in visible_ids:
                problems.append(f"{viewer.label}: chart shows hidden {node['id']}")
            if kind == "seizure" and not oracle.seizure_visible(
                world, viewer, world.seizures[rest], now
            ):
                problems.append(f"{viewer.label}: chart shows hidden seizure {rest}")
            stats["chart nodes"] += 1


def test_correlations_candidates_and_charts_match_the_oracle(engine: Engine, database: Any) -> None:
    stats: Counter[str] = Counter()

    @hyp_settings(
        max_examples=4,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        database=None,
    )
    @given(seed=st.integers(0, 2**32 - 1))
    def check(seed: int) -> None:
        rng = random.Random(seed)
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                builder = WorldBuilder(conn)
                viewers = random_world(
                    builder, rng, n_seizures=30, n_viewers=16, n_persons=24, n_vehicles=12
                )
                phones: dict[str, str] = {}
                for p in builder.world.persons():
                    phones[p.id] = rng.choice(PHONES)
                    add_phone(conn, p.id, phones[p.id])
                # The builder gives every vehicle plate 123ABC02 of its owner's country.
                plates = {
                    v.id: builder.world.agencies[v.owner_agency_id].country or "KAZ"
                    for v in builder.world.vehicles()
                }
                selector_index.rebuild(conn)
                candidates.rebuild(conn)
                problems: list[str] = []
                for viewer in viewers:
                    _check(conn, builder.world, viewer, phones, plates, stats, problems)
                assert not problems, f"{len(problems)} discrepancies:\n" + "\n".join(problems)
            finally:
                transaction.rollback()

    check()
    print(f"\n[{database.backend}] correlation oracle: {dict(sorted(stats.items()))}")
    assert stats["pairs"] >= 1000 and stats["correlations"] > 0 and stats["chart nodes"] > 0

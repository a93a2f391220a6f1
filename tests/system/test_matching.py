"""Matching on a real PostgreSQL: the rules (core/matching.py), the SQL that applies them
at scale (activities/matching.py), on a generated data set of 2,000 cases and 300 openings
across six municipalities, and two properties over random small worlds (hypothesis):
no suggestion ever breaks a hard constraint, and a candidate who fits better on every
criterion is never ranked below one who fits worse on every criterion.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.matching import Suggestion, candidates_for_opening, openings_for_case
from core import matching as m
from infrastructure.postgres import migrate
from testkit.common import create_database, drop_database
from testkit.matching_data import (
    OCCUPATIONS,
    REQUIREMENTS,
    RESTRICTIONS,
    CaseRow,
    OpeningRow,
    generate_cases,
    generate_openings,
    insert,
    projection_of,
)

START = date(2026, 12, 1)

# --- the rules, pure -----------------------------------------------------------------


def test_restrictions_rule_out_the_work_they_name() -> None:
    blocked = m.blocking_restrictions(("standing_work", "customer_contact"), 20)
    assert "no_long_standing" in blocked and "no_standing_work" in blocked
    assert "part_time_only" not in blocked
    assert "part_time_only" in m.blocking_restrictions((), 37)
    assert m.conflicts(("no_long_standing",), ("standing_work",), 20) == ["no_long_standing"]
    assert m.conflicts(("no_heavy_lifting",), ("standing_work",), 20) == []


def test_occupation_exact_before_group_before_title() -> None:
    assert m.occupation_of("9333", 0.0, "9333") == "exact"
    assert m.occupation_of("9334", 0.0, "9333") == "group"
    assert m.occupation_of(None, 0.5, "9333") == "title"
    assert m.occupation_of("4110", 0.1, "9333") is None


def _fit(occupation: m.Occupation, available: date | None, same: bool, sim: float = 1.0) -> m.Fit:
    return m.Fit(occupation, sim, "Lagerarbejder", available, START, same)


def test_score_adds_points_per_criterion() -> None:
    assert m.score(_fit("exact", START, True)) == 100
    assert m.score(_fit("group", None, False)) == 50
    assert m.score(_fit("title", START + timedelta(days=5), True, sim=0.5)) == 10 + 15 + 15
    assert m.score(_fit("exact", START + timedelta(days=40), False)) == 60


def test_reasons_in_words() -> None:
    fit = _fit("group", START + timedelta(days=3), False)
    words = m.reasons(fit, "9334", ("no_driving",))
    assert words[0] == "jobmålet 'Lagerarbejder' er i samme stillingsgruppe (933)"
    assert "3 dag(e) efter starten" in words[1]
    assert words[2] == "bor i en anden kommune"
    assert "no_driving" in words[3]
    english = m.reasons(fit, "9334", ("no_driving",), "en")
    assert english[0] == "job goal 'Lagerarbejder' is in the same occupational group (933)"
    assert "3 day(s) after the start" in english[1]
    assert english[2] == "lives in another municipality"


# --- the generated data set ----------------------------------------------------------


@pytest.fixture(scope="module")
async def dataset_url(pg_admin_url: str) -> AsyncIterator[str]:
    """A database of its own with 2,000 cases and 300 openings (seed 11)."""
    url = await create_database(pg_admin_url, prefix="trappebro_matching")
    try:
        await migrate(url)
        conn = await asyncpg.connect(url)
        try:
            await insert(conn, generate_cases(2_000, seed=11), generate_openings(300, seed=11))
        finally:
            await conn.close()
        yield url
    finally:
        await drop_database(pg_admin_url, url)


def _check(s: Suggestion, case: dict[str, Any], opening: dict[str, Any]) -> None:
    """One suggestion against the rules, from the rows themselves."""
    restrictions = tuple(json.loads(case["restrictions"]))
    requirements = tuple(json.loads(opening["requirements"]))
    assert case["stage"] == "MATCHING" and not case["paused"], s.case_id
    assert opening["status"] in ("OPEN", "PROPOSED"), opening["opening_id"]
    assert m.conflicts(restrictions, requirements, opening["hours_per_week"]) == [], s
    assert s.fit.same_municipality == (case["municipality"] == opening["municipality"])
    assert s.fit.available_on == (case["declared_fit_on"] or case["expected_fit_for_work_on"])
    discos = {g.get("disco_code") for g in json.loads(case["job_goals"])}
    best = max(
        (m.occupation_of(d, 0.0, opening["disco_code"]) for d in discos),
        key=lambda o: {"exact": 2, "group": 1}.get(o or "", 0),
    )
    if best in ("exact", "group"):
        assert s.fit.occupation == best, (s, discos)
    assert s.score == pytest.approx(m.score(s.fit), abs=0.011)


async def test_every_suggestion_keeps_the_rules_on_the_data_set(dataset_url: str) -> None:
    conn = await asyncpg.connect(dataset_url)
    try:
        cases = {r["case_id"]: dict(r) for r in await conn.fetch("SELECT * FROM case_projection")}
        openings = [dict(r) for r in await conn.fetch("SELECT * FROM opening_projection")]
        assert len(cases) == 2_000 and len(openings) == 300
        suggested = 0
        for opening in openings:
            found = await candidates_for_opening(conn, opening, limit=50)
            if opening["status"] not in ("OPEN", "PROPOSED"):
                continue
            assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
            for s in found:
                _check(s, cases[s.case_id], opening)
            _assert_none_better_left_out(found, cases, opening)
            suggested += len(found)
        # A realistic world: most open openings find someone.
        assert suggested > 300 * 10
    finally:
        await conn.close()


def _assert_none_better_left_out(
    found: list[Suggestion], cases: dict[str, dict[str, Any]], opening: dict[str, Any]
) -> None:
    """The k-th suggestion scores at least as well as the k-th best exact or group fit
    computed here in Python (those need no title similarity): nobody good is missed."""
    mine = []
    for case in cases.values():
        if case["stage"] != "MATCHING" or case["paused"]:
            continue
        restrictions = tuple(json.loads(case["restrictions"]))
        if m.conflicts(
            restrictions, tuple(json.loads(opening["requirements"])), opening["hours_per_week"]
        ):
            continue
        kinds = {
            m.occupation_of(g.get("disco_code"), 0.0, opening["disco_code"])
            for g in json.loads(case["job_goals"])
        }
        occupation: m.Occupation | None = (
            "exact" if "exact" in kinds else "group" if "group" in kinds else None
        )
        if occupation is None:
            continue
        available = case["declared_fit_on"] or case["expected_fit_for_work_on"]
        fit = m.Fit(
            occupation,
            0.0,
            "",
            available,
            opening["starts_on"],
            case["municipality"] == opening["municipality"],
        )
        mine.append(m.score(fit))
    mine.sort(reverse=True)
    for k, s in enumerate(found[: len(mine)]):
        assert s.score >= mine[k] - 0.011, (opening["opening_id"], k)


async def test_one_case_against_open_openings(dataset_url: str) -> None:
    conn = await asyncpg.connect(dataset_url)
    try:
        openings = {
            r["opening_id"]: dict(r) for r in await conn.fetch("SELECT * FROM opening_projection")
        }
        rows = await conn.fetch(
            "SELECT * FROM case_projection WHERE stage = 'MATCHING' ORDER BY case_id LIMIT 200"
        )
        total = 0
        for row in rows:
            case = dict(row)
            found = await openings_for_case(conn, projection_of(case), limit=20)
            for s in found:
                opening = openings[str(s.opening["opening_id"])]
                _check(s, {**case, "paused": False}, opening)
            total += len(found)
        assert total > 200
    finally:
        await conn.close()


# --- properties over small random worlds ---------------------------------------------

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TOWNS = ("Viborg", "Aarhus", "Herning")


def _case(n: int, draw: st.DrawFn) -> CaseRow:
    goals = draw(
        st.lists(
            st.sampled_from([*OCCUPATIONS, ("Lagermedarbejder", None)]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    fit = draw(st.none() | st.integers(-10, 40).map(lambda d: START + timedelta(days=d)))
    return CaseRow(
        case_id=f"K-P-{n:03d}",
        stage=draw(st.sampled_from(("MATCHING", "MATCHING", "MATCHING", "HANDOVER"))),
        paused=draw(st.booleans()) and draw(st.booleans()),
        municipality=draw(st.sampled_from(TOWNS)),
        consultant="vs-01",
        job_goals=tuple(goals),
        restrictions=tuple(draw(st.lists(st.sampled_from(RESTRICTIONS), unique=True, max_size=3))),
        expected_fit_for_work_on=fit,
        declared_fit_on=None,
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[OpeningRow, list[CaseRow]]:
    title, disco = draw(st.sampled_from(OCCUPATIONS))
    opening = OpeningRow(
        opening_id="O-P-1",
        status="OPEN",
        kind=draw(st.sampled_from(("recruitment", "wage_subsidy", "small_job"))),
        employer="Arla Foods",
        title=title,
        disco_code=disco,
        hours_per_week=float(draw(st.sampled_from((10, 25, 37)))),
        municipality=draw(st.sampled_from(TOWNS)),
        starts_on=START,
        candidates_by=START - timedelta(days=3),
        requirements=tuple(draw(st.lists(st.sampled_from(REQUIREMENTS), unique=True, max_size=3))),
        consultant="vs-02",
    )
    cases = [_case(n, draw) for n in range(draw(st.integers(1, 12)))]
    return opening, cases


def _run(
    url: str, openings: list[OpeningRow], cases: list[CaseRow], for_case: bool = False
) -> list[Suggestion]:
    """Match in a world of these rows: for the first opening, or (`for_case`) for the first
    case against every opening."""

    async def go() -> list[Suggestion]:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction():
                await conn.execute("DELETE FROM case_projection; DELETE FROM opening_projection")
                await insert(conn, cases, openings)
                if for_case:
                    row = await conn.fetchrow(
                        "SELECT * FROM case_projection WHERE case_id = $1", cases[0].case_id
                    )
                    assert row is not None
                    found = await openings_for_case(conn, projection_of(dict(row)), limit=100)
                else:
                    row = await conn.fetchrow(
                        "SELECT * FROM opening_projection WHERE opening_id = $1",
                        openings[0].opening_id,
                    )
                    assert row is not None
                    found = await candidates_for_opening(conn, dict(row), limit=100)
                raise _Rollback(found)
        except _Rollback as done:
            return done.found
        finally:
            await conn.close()

    return asyncio.run(go())


class _Rollback(Exception):
    """Leave the database as it was: each example's world lives in one transaction."""

    def __init__(self, found: list[Suggestion]) -> None:
        self.found = found


@PROPERTY
@given(world=worlds())
def test_no_suggestion_breaks_a_hard_constraint(
    database_url: str, world: tuple[OpeningRow, list[CaseRow]]
) -> None:
    opening, cases = world
    by_id = {c.case_id: c for c in cases}
    for s in _run(database_url, [opening], cases):
        case = by_id[s.case_id]
        assert case.stage == "MATCHING" and not case.paused
        assert m.conflicts(case.restrictions, opening.requirements, opening.hours_per_week) == []
        assert s.score == pytest.approx(m.score(s.fit), abs=0.011)


@st.composite
def rivals(draw: st.DrawFn) -> tuple[OpeningRow, list[CaseRow]]:
    """An opening, a candidate better on every criterion and one worse on every criterion
    (occupation, availability, municipality), no restrictions, among random others."""
    opening, others = draw(worlds())
    opening = OpeningRow(**{**opening.__dict__, "requirements": ()})
    group = next(
        (
            (t, d)
            for t, d in OCCUPATIONS
            if d[:3] == opening.disco_code[:3] and d != opening.disco_code
        ),
        None,
    )
    pairs: list[tuple[tuple[str, str | None], tuple[str, str | None]]] = [
        ((opening.title, opening.disco_code), (opening.title, None)),  # exact vs title
    ]
    if group:
        pairs += [((opening.title, opening.disco_code), group), (group, (opening.title, None))]
    better_goal, worse_goal = draw(st.sampled_from(pairs))
    early = draw(st.integers(-10, 0))
    late = draw(st.integers(1, 30))
    better_at, worse_at = START + timedelta(days=early), START + timedelta(days=late)
    if draw(st.booleans()):  # both late, the better one less so
        better_at, worse_at = START + timedelta(days=late), START + timedelta(days=late + 1)
    elsewhere = next(t for t in TOWNS if t != opening.municipality)

    def rival(case_id: str, goal: tuple[str, str | None], at: date, town: str) -> CaseRow:
        return CaseRow(case_id, "MATCHING", False, town, "vs-01", (goal,), (), at, None)

    better = rival("K-P-better", better_goal, better_at, opening.municipality)
    worse = rival("K-P-worse", worse_goal, worse_at, elsewhere)
    return opening, [*others, worse, better]


@PROPERTY
@given(world=rivals())
def test_better_on_every_criterion_is_never_ranked_below(
    database_url: str, world: tuple[OpeningRow, list[CaseRow]]
) -> None:
    opening, cases = world
    ranked = [s.case_id for s in _run(database_url, [opening], cases)]
    assert "K-P-better" in ranked and "K-P-worse" in ranked, ranked
    assert ranked.index("K-P-better") < ranked.index("K-P-worse")


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[OpeningRow], CaseRow]:
    """One case in MATCHING and a handful of openings of every status."""
    openings = []
    for n in range(draw(st.integers(1, 10))):
        opening, _ = draw(worlds())
        status = draw(st.sampled_from(("OPEN", "OPEN", "PROPOSED", "FILLED", "WITHDRAWN")))
        openings.append(
            OpeningRow(**{**opening.__dict__, "opening_id": f"O-P-{n}", "status": status})
        )
    case = _case(0, draw)
    return openings, CaseRow(**{**case.__dict__, "stage": "MATCHING", "paused": False})


@PROPERTY
@given(market=markets())
def test_no_opening_suggested_to_a_case_breaks_a_hard_constraint(
    database_url: str, market: tuple[list[OpeningRow], CaseRow]
) -> None:
    openings, case = market
    by_id = {o.opening_id: o for o in openings}
    found = _run(database_url, openings, [case], for_case=True)
    for s in found:
        opening = by_id[str(s.opening["opening_id"])]
        assert opening.status in ("OPEN", "PROPOSED")
        assert m.conflicts(case.restrictions, opening.requirements, opening.hours_per_week) == []
        assert s.score == pytest.approx(m.score(s.fit), abs=0.011)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)

"""A realistic data set for matching: case and opening projections across municipalities.

Cases carry one to three job goals (DISCO-08 codes from the occupations below, sometimes a
title only), restrictions, and an expected or declared fit-for-work date (or none yet);
most are in MATCHING, the rest in other stages or paused. Openings have a kind, employer,
occupation, hours, requirements and dates. Rows go straight into the read models, as the
persist activities would write them, so matching can be measured and tested at scale.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from core.case.events import JobGoal
from core.case.projection import Projection
from core.case.state import StageVisit
from core.matching import blocking_restrictions
from testkit.rig.catalogue import MUNICIPALITIES

# (title, DISCO-08): several share a minor group, so group matches occur.
OCCUPATIONS = (
    ("Kundeservicemedarbejder", "4222"),
    ("Callcentermedarbejder", "4222"),
    ("Receptionist", "4226"),
    ("Kontorassistent", "4110"),
    ("Bogholder", "4311"),
    ("Lønbogholder", "4313"),
    ("Lagerarbejder", "9333"),
    ("Varepåfylder", "9334"),
    ("Buschauffør", "8331"),
    ("Lastbilchauffør", "8332"),
    ("Pædagogmedhjælper", "5312"),
    ("Social- og sundhedshjælper", "5322"),
    ("Butiksassistent", "5223"),
    ("Kassemedarbejder", "5230"),
    ("Rengøringsassistent", "9112"),
    ("Køkkenmedhjælper", "9412"),
    ("Kok", "5120"),
    ("Tømrer", "7115"),
    ("Murer", "7112"),
)
# Titles a caseworker writes without a code: matched on title similarity only.
FREE_TITLES = ("Lagermedarbejder", "Kundeservice", "Kontormedarbejder", "Butiksmedarbejder")
RESTRICTIONS = (
    "no_long_standing",
    "no_heavy_lifting",
    "part_time_only",
    "no_night_shifts",
    "no_driving",
)
REQUIREMENTS = (
    "standing_work",
    "heavy_lifting",
    "night_shifts",
    "driving_licence",
    "customer_contact",
    "danish_spoken",
)
KINDS = ("recruitment", "internship", "wage_subsidy", "small_job", "flex_job")
EMPLOYERS = ("Nordhavn Forsikring A/S", "Brugsen Viby", "Region Midt", "Arla Foods", "DSV")
OTHER_STAGES = ("JOB_GOAL_TALK", "CV_READINESS", "HANDOVER", "PLACEMENT", "CLOSED")
TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    stage: str
    paused: bool
    municipality: str
    consultant: str
    job_goals: tuple[tuple[str, str | None], ...]
    restrictions: tuple[str, ...]
    expected_fit_for_work_on: date | None
    declared_fit_on: date | None


@dataclass(frozen=True)
class OpeningRow:
    opening_id: str
    status: str
    kind: str
    employer: str
    title: str
    disco_code: str
    hours_per_week: float
    municipality: str
    starts_on: date
    candidates_by: date
    requirements: tuple[str, ...]
    consultant: str


def generate_cases(count: int, seed: int, matching_share: float = 0.8) -> list[CaseRow]:
    rng = random.Random(seed)
    return [_case(rng, f"K-{seed}-{n:06d}", matching_share) for n in range(count)]


def _case(rng: random.Random, case_id: str, matching_share: float) -> CaseRow:
    goals: list[tuple[str, str | None]] = []
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        if rng.random() < 0.1:
            goals.append((rng.choice(FREE_TITLES), None))
        else:
            goals.append(rng.choice(OCCUPATIONS))
    fit = TODAY + timedelta(days=rng.randint(-30, 60))
    availability = rng.random()
    return CaseRow(
        case_id=case_id,
        stage="MATCHING" if rng.random() < matching_share else rng.choice(OTHER_STAGES),
        paused=rng.random() < 0.05,
        municipality=rng.choice(MUNICIPALITIES),
        consultant=f"vs-{rng.randint(1, 40):02d}",
        job_goals=tuple(dict.fromkeys(goals)),
        restrictions=tuple(sorted(set(rng.sample(RESTRICTIONS, rng.choice((0, 0, 1, 1, 2)))))),
        expected_fit_for_work_on=fit if availability < 0.5 else None,
        declared_fit_on=fit if 0.5 <= availability < 0.85 else None,
    )


def generate_openings(count: int, seed: int, open_share: float = 0.9) -> list[OpeningRow]:
    rng = random.Random(seed + 1)
    return [_opening(rng, n, open_share) for n in range(count)]


def _opening(rng: random.Random, n: int, open_share: float) -> OpeningRow:
    title, disco = rng.choice(OCCUPATIONS)
    starts = TODAY + timedelta(days=rng.randint(5, 60))
    return OpeningRow(
        opening_id=f"O-{n:05d}",
        status=rng.choice(("OPEN", "OPEN", "PROPOSED"))
        if rng.random() < open_share
        else rng.choice(("FILLED", "WITHDRAWN")),
        kind=rng.choice(KINDS),
        employer=rng.choice(EMPLOYERS),
        title=title,
        disco_code=disco,
        hours_per_week=float(rng.choice((8, 15, 20, 25, 30, 37))),
        municipality=rng.choice(MUNICIPALITIES),
        starts_on=starts,
        candidates_by=starts - timedelta(days=rng.randint(1, 10)),
        requirements=tuple(sorted(set(rng.sample(REQUIREMENTS, rng.randint(0, 2))))),
        consultant=f"vs-{rng.randint(1, 40):02d}",
    )


_CASE_SQL = """
INSERT INTO case_projection (case_id, version, municipality, stage, department, owner,
    consultant, paused, job_goals, restrictions, cv_complete, expected_fit_for_work_on,
    declared_fit_on, opened_at, stage_entered_at)
VALUES ($1, 1, $2, $3, 'company_service', $4, $4, $5, $6::jsonb, $7::jsonb, true, $8, $9,
    $10, $10)
"""
_OPENING_SQL = """
INSERT INTO opening_projection (opening_id, version, status, kind, employer, title,
    disco_code, hours_per_week, municipality, starts_on, candidates_by, requirements,
    blocked_restrictions, leads_to_paid_job, consultant, registered_at)
VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15)
"""
_OPENED = datetime(2026, 9, 1, tzinfo=UTC)


def goals_json(goals: Sequence[tuple[str, str | None]]) -> str:
    return json.dumps(
        [{"title": t, **({"disco_code": d} if d else {})} for t, d in goals], ensure_ascii=False
    )


async def insert(
    conn: asyncpg.Connection, cases: Sequence[CaseRow], openings: Sequence[OpeningRow]
) -> None:
    await conn.executemany(
        _CASE_SQL,
        [
            (
                c.case_id,
                c.municipality,
                c.stage,
                c.consultant,
                c.paused,
                goals_json(c.job_goals),
                json.dumps(list(c.restrictions)),
                c.expected_fit_for_work_on,
                c.declared_fit_on,
                _OPENED,
            )
            for c in cases
        ],
    )
    await conn.executemany(
        _OPENING_SQL,
        [
            (
                o.opening_id,
                o.status,
                o.kind,
                o.employer,
                o.title,
                o.disco_code,
                o.hours_per_week,
                o.municipality,
                o.starts_on,
                o.candidates_by,
                json.dumps(list(o.requirements)),
                blocking_restrictions(o.requirements, o.hours_per_week),
                True if o.kind == "internship" else None,
                o.consultant,
                _OPENED,
            )
            for o in openings
        ],
    )
    await conn.execute("ANALYZE case_projection; ANALYZE opening_projection")


def projection_of(row: dict[str, Any]) -> Projection:
    """A case_projection row as the Projection the persist activity wrote."""
    parsed = ("job_goals", "restrictions", "stages")
    plain = {k: row[k] for k in Projection.model_fields if k not in parsed}
    return Projection(
        **plain,
        job_goals=tuple(JobGoal(**g) for g in json.loads(row["job_goals"])),
        restrictions=tuple(json.loads(row["restrictions"])),
        stages=tuple(StageVisit(**v) for v in json.loads(row["stages"])),
    )

"""The board over HTTP against a real PostgreSQL: sign-in, who sees what (403 on another
team's case, every case view access-logged), CSRF, security headers, languages, and the
settings that refuse an unsafe board."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from board.config import load_board_settings
from board.testing import running_board, write_leads
from testkit.common import fetch_rows

TEAM = "sygedagpenge-1"


async def _insert_case(url: str, case_id: str, team: str, stage: str = "JOB_GOAL_TALK") -> None:
    now = datetime.now(UTC)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """INSERT INTO case_projection (case_id, version, municipality, stage, owner, team,
                   deadline, escalation_level, stalled, opened_at, stage_entered_at)
               VALUES ($1, 1, 'Norddjurs', $2, 'sb-02', $3, $4, 3, true, $5, $5)""",
            case_id, stage, team, now - timedelta(hours=1), now - timedelta(days=2),
        )  # fmt: skip
    finally:
        await conn.close()


@pytest.fixture
async def board(clean_db: str, tmp_path: Path) -> AsyncIterator[str]:
    conn = await asyncpg.connect(clean_db)
    await conn.execute("TRUNCATE board_access_log")
    await conn.close()
    leads = write_leads(tmp_path, {
        "tl-a": ([TEAM], []), "tl-b": (["andet-team"], []),
        "vs-lead": ([], ["company_service"]),
    })  # fmt: skip
    async with running_board(clean_db, leads) as url:
        yield url


async def _signed_in(url: str, staff_id: str) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(f"{url}/login") as r:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await r.text())
    assert token is not None
    async with session.post(f"{url}/dev-login", data={"csrf_token": token[1], "staff_id": staff_id},
                            allow_redirects=False) as r:  # fmt: skip
        assert r.status == 303, await r.text()
    return session


async def test_a_lead_sees_their_team_and_gets_403_elsewhere(board: str, clean_db: str) -> None:
    await _insert_case(clean_db, "K-ours", TEAM)
    await _insert_case(clean_db, "K-theirs", "andet-team")
    session = await _signed_in(board, "tl-a")
    async with session:
        async with session.get(f"{board}/now") as r:
            page = await r.text()
            assert r.status == 200
            assert "K-ours" in page and "K-theirs" not in page
            assert "Over fristen og gået i stå" in page and "niveau 3: afdelingslederen" in page
            assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        async with session.get(f"{board}/cases/K-theirs") as r:
            assert r.status == 403
            assert "Ikke dit teams sag" in await r.text()
        async with session.get(f"{board}/cases/K-ours?lang=en") as r:
            assert r.status == 200
            assert "Job-goal talk" in await r.text()
        async with session.get(f"{board}/cases/K-ours") as r:  # the choice is remembered
            assert "the early job-goal talk" in await r.text()
    rows = await fetch_rows(
        clean_db, "SELECT viewer, case_id, allowed, via FROM board_access_log ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        ("tl-a", "K-theirs", False, "dev"), ("tl-a", "K-ours", True, "dev"),
        ("tl-a", "K-ours", True, "dev"),
    ]  # fmt: skip


async def test_signed_out_posts_without_csrf_and_unknown_leads_are_refused(board: str) -> None:
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(f"{board}/now", allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"] == "/login"
        english = {"Accept-Language": "en-GB,en;q=0.8"}
        async with anonymous.get(f"{board}/now", headers=english) as r:
            assert "Development login" in await r.text()
        async with anonymous.post(f"{board}/dev-login", data={"staff_id": "tl-a"}) as r:
            assert r.status == 403
    session = await _signed_in(board, "tl-a")
    async with session:
        async with session.post(f"{board}/logout", data={"csrf_token": "forged"}) as r:
            assert r.status == 403
        async with session.get(f"{board}/now", allow_redirects=False) as r:
            assert r.status == 200  # still signed in
    with pytest.raises(AssertionError):
        await _signed_in(board, "tl-nobody")


async def test_a_handover_is_seen_from_both_sides_and_openings_by_the_company_service(
    board: str, clean_db: str
) -> None:
    await _insert_case(clean_db, "K-handover", TEAM, stage="HANDOVER")
    conn = await asyncpg.connect(clean_db)
    try:
        await conn.execute(
            """INSERT INTO opening_projection (opening_id, version, status, kind, employer,
                   title, disco_code, hours_per_week, municipality, starts_on, candidates_by)
               VALUES ('O-lonely', 1, 'OPEN', 'wage_subsidy', 'Firma', 'Lagermedarbejder',
                       '9333', 37, 'Norddjurs', current_date + 30, current_date + 7)"""
        )
    finally:
        await conn.close()
    for staff_id, sees_openings in (("tl-a", False), ("vs-lead", True)):
        session = await _signed_in(board, staff_id)
        async with session, session.get(f"{board}/now") as r:
            page = await r.text()
        waiting = page.split("Overleveringer der venter på virksomhedsservice")[1]
        assert "K-handover" in waiting, staff_id
        assert ("O-lonely" in page) == sees_openings
        assert ("løntilskud" in page) == sees_openings
    session = await _signed_in(board, "tl-b")
    async with session, session.get(f"{board}/now") as r:
        assert "K-handover" not in await r.text()


async def test_a_long_list_says_how_much_it_leaves_out(board: str, clean_db: str) -> None:
    conn = await asyncpg.connect(clean_db)
    try:
        await conn.execute(
            """INSERT INTO case_projection (case_id, version, stage, owner, team, deadline)
               SELECT 'K-many-' || i, 1, 'CV_READINESS', 'sb-02', $1, now() - interval '1 day'
               FROM generate_series(1, 510) AS i""",
            TEAM,
        )
    finally:
        await conn.close()
    session = await _signed_in(board, "tl-a")
    async with session, session.get(f"{board}/now") as r:
        page = await r.text()
    assert "Viser de første 500 af 510." in page
    assert page.count('<a href="/cases/K-many-') == 500


def test_the_development_login_is_refused_off_loopback() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        load_board_settings({"TRAPPEBRO_BOARD_ADDRESS": "0.0.0.0:8300",
                             "TRAPPEBRO_BOARD_DEV_LOGIN": "1"})  # fmt: skip
    with pytest.raises(ValueError, match="OIDC"):
        load_board_settings({"TRAPPEBRO_BOARD_ADDRESS": "0.0.0.0:8300"})
    with pytest.raises(ValueError, match="SECRET"):
        load_board_settings({
            "TRAPPEBRO_BOARD_ADDRESS": "0.0.0.0:8300",
            "TRAPPEBRO_BOARD_OIDC_ISSUER": "https://login.example",
            "TRAPPEBRO_BOARD_OIDC_CLIENT_ID": "board",
            "TRAPPEBRO_BOARD_OIDC_REDIRECT_URL": "https://board.example/auth/callback",
        })  # fmt: skip

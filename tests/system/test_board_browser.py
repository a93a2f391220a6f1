"""The board in a real headless Chromium against the real dev stack: the Temporal dev
server, a worker, PostgreSQL and the outbox relay delivering to a receiver. A stalled case
appears by itself within seconds, in Danish; another team's lead does not see it and gets
403; the case page shows its timeline and delivered messages; axe-core finds nothing on
any page. Screenshots of each page go to the folder the run prints."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
from playwright.async_api import Browser, Page, expect
from temporalio.testing import WorkflowEnvironment

from board.testing import running_board, write_leads
from outbox.receiver import Receiver
from testkit.builders import write_policy
from testkit.harness import open_harness
from testkit.relay import SECRET, port, receivers_file, receiving, relay_telling
from testkit.waiting import eventually
from tests.system.board_browser import (
    assert_accessible,
    axe_violations,
    browser,
    screenshot_dir,
)

__all__ = ["browser"]  # the fixture, imported for pytest
TEAM = "sygedagpenge-1"  # the team testkit/samples.py's case_opened names
FAST_LADDER = {"JOB_GOAL_TALK": "2 seconds", "level_2_after": "2 seconds",
               "level_3_after": "2 seconds"}  # fmt: skip
FAST_RELAY = {"first_delay_seconds": 0.05, "max_delay_seconds": 0.2, "timeout_seconds": 2.0}


async def sign_in(page: Page, base: str, staff_id: str) -> None:
    await page.goto(f"{base}/login")
    await page.select_option("#staff_id", staff_id)
    await page.get_by_role("button", name="Log ind").click()
    await expect(page.get_by_role("heading", name="Nu", exact=True)).to_be_visible()


async def stalled_at(url: str, case_id: str) -> float:
    """Wall time at which the projection first says stalled (polled)."""
    conn = await asyncpg.connect(url)
    try:
        query = "SELECT coalesce(bool_or(stalled), false) FROM case_projection WHERE case_id = $1"
        await eventually(lambda: conn.fetchval(query, case_id), bool, "stalled", within=30)
        return time.monotonic()
    finally:
        await conn.close()


async def test_the_board_in_a_browser(
    dev_env: WorkflowEnvironment, clean_db: str, tmp_path: Path, browser: Browser
) -> None:
    shots = screenshot_dir()
    leads = write_leads(tmp_path, {"tl-a": ([TEAM], []), "tl-b": (["andet-team"], [])})
    at = port()
    config = receivers_file(tmp_path, at, **FAST_RELAY)
    policy = write_policy(tmp_path, **FAST_LADDER)
    async with (
        open_harness(dev_env, clean_db, policy) as h,
        receiving(Receiver(SECRET), at),
        relay_telling(clean_db, config, h.client),
        running_board(clean_db, leads) as base,
    ):
        context = await browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await sign_in(page, base, "tl-a")
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "now-empty.png"), full_page=True)

        case = h.case()
        await case.accept("case_opened")
        stalled = await stalled_at(clean_db, case.case_id)
        row = page.get_by_role("row").filter(has_text=case.case_id)
        await expect(row).to_contain_text("gået i stå", timeout=15_000)
        seen_after = time.monotonic() - stalled
        print(f"stalled case on the board {seen_after:.1f} s after the projection said so")
        await expect(row).to_contain_text("Jobmålssamtale")
        await expect(row).to_contain_text("den tidlige jobmålssamtale")
        await expect(row).to_contain_text("niveau 3: afdelingslederen")
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "now.png"), full_page=True)

        await row.get_by_role("link", name=case.case_id).click()
        await expect(page.get_by_role("heading", name=f"Sag {case.case_id}")).to_be_visible()
        timeline = page.locator(".timeline")
        await expect(timeline).to_contain_text("Sagen oprettet; sagsbehandler sb-02")
        await expect(timeline).to_contain_text("Gik til fasen Jobmålssamtale")
        await expect(timeline).to_contain_text(
            "Fristen er overskredet: eskaleret til niveau 3: afdelingslederen"
        )
        messages = page.get_by_role("table").filter(has_text="Levering")
        for _ in range(50):  # the relay delivers within a second or two; the page is static
            if await messages.locator(".state-delivered").count() >= 3:
                break
            await asyncio.sleep(0.2)
            await page.reload()
        await expect(messages.locator(".state-delivered")).to_have_count(3)
        await expect(messages).to_contain_text("Eskalering (niveau 3: afdelingslederen)")
        link = page.get_by_role("link", name="Åbn sagen i Temporal Web UI (for drift)")
        assert (await link.get_attribute("href") or "").endswith(f"/workflows/case-{case.case_id}")
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "case.png"), full_page=True)

        await page.get_by_role("link", name="Udvikling").click()
        await expect(page.get_by_role("heading", name="Eskaleringer pr. uge")).to_be_visible()
        await expect(page.locator("svg[role=img]").first).to_be_visible()
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "trends.png"), full_page=True)

        await page.goto(f"{base}/now?lang=en")
        english = page.get_by_role("heading", name="Past the deadline and stalled")
        await expect(english).to_be_visible()
        await page.screenshot(path=str(shots / "now-en.png"), full_page=True)
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "login.png"), full_page=True)
        await context.close()

        other = await browser.new_context(locale="da-DK")
        page = await other.new_page()
        await sign_in(page, base, "tl-b")
        await expect(page.get_by_text("Ingen sag er over fristen.")).to_be_visible()
        assert case.case_id not in await page.content()
        answer = await page.goto(f"{base}/cases/{case.case_id}")
        assert answer is not None and answer.status == 403
        await expect(page.get_by_role("heading", name="Ikke dit teams sag")).to_be_visible()
        await assert_accessible(page)
        await page.screenshot(path=str(shots / "forbidden.png"), full_page=True)
        await other.close()
    assert seen_after < 10


async def test_axe_reports_what_it_should(browser: Browser) -> None:
    """The accessibility check can fail: an image without a text alternative is reported."""
    page = await browser.new_page()
    await page.set_content('<html lang="da"><body><main><img src="x.png"></main></body></html>')
    assert "image-alt" in {v["id"] for v in await axe_violations(page)}
    await page.close()

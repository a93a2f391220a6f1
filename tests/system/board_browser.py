"""Real headless Chromium for the board's tests (Debian's, driven by Playwright) and
axe-core from npm, both set up by scripts/browser-setup when missing."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from infrastructure.config import REPO_ROOT

CHROMIUM = Path(os.environ.get("TRAPPEBRO_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO_ROOT / ".data" / "browser" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def ensure_browser() -> None:
    """Run the project's setup step when chromium or axe-core is missing; skip with its
    reason only when it cannot install them here."""
    if CHROMIUM.exists() and AXE.exists():
        return
    done = subprocess.run([str(REPO_ROOT / "scripts" / "browser-setup")], capture_output=True,
                          text=True, timeout=900, check=False)  # fmt: skip
    if done.returncode != 0 or not CHROMIUM.exists() or not AXE.exists():
        pytest.skip(f"scripts/browser-setup could not install chromium/axe-core: {done.stderr}")


def screenshot_dir() -> Path:
    """TRAPPEBRO_SCREENSHOTS, else .data/screenshots/<time of the run>."""
    named = os.environ.get("TRAPPEBRO_SCREENSHOTS")
    folder = Path(named) if named else (
        REPO_ROOT / ".data" / "screenshots" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    )
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nboard screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    ensure_browser()
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA rules on the page as it is: the violations, if any. It is
    evaluated through the DevTools protocol, so the board's CSP needs no exception."""
    await page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert not violations, json.dumps(violations, indent=1, ensure_ascii=False)

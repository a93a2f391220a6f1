"""The receivers file refused at start with the setting named, the backoff and Retry-After
rules, and the operators' command (`starter.py outbox`, `status`) over the real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from infrastructure.config import REPO_ROOT
from outbox.backoff import backoff, retry_after
from outbox.config import ConfigError, RelaySettings, load_config
from outbox.ops import escalation_line
from testkit.relay import SECRET, insert_messages

GOOD = 'url = "https://sag.example/hook"\nsecret_env = "HOOK_SECRET"\n'
ENV = {"HOOK_SECRET": SECRET}


def config(tmp_path: Path, text: str, env: dict[str, str] = ENV) -> None:
    path = tmp_path / "receivers.toml"
    path.write_text(text, encoding="utf-8")
    load_config(path, env)


@pytest.mark.parametrize(
    ("text", "env", "named"),
    [
        ('[receivers.a]\nurl = "http://sag.example/hook"\nsecret_env = "HOOK_SECRET"\n', ENV,
         "receivers.a.url must use https outside loopback"),
        ('[receivers.a]\nurl = "ftp://sag.example/hook"\nsecret_env = "HOOK_SECRET"\n', ENV,
         "receivers.a.url must be an https:// URL"),
        (f"[receivers.a]\n{GOOD}", {}, "receivers.a.secret_env: variable HOOK_SECRET is not set"),
        ('[receivers.a]\nurl = "https://sag.example/hook"\n', ENV, "receivers.a: no secret"),
        ('[receivers.a]\nurl = "https://x/h"\nsecret_file = "/no/such/file"\n', ENV,
         "receivers.a.secret_file: cannot read"),
        (f"[receivers.a]\n{GOOD}", {"HOOK_SECRET": "whsec_c2hvcnQ="}, "the secret must be base64"),
        (f"[receivers.a]\n{GOOD}municipalities = 'Aarhus'\n", ENV, "receivers.a.municipalities"),
        (f"[relay]\nmax_attempts = 0\n[receivers.a]\n{GOOD}", ENV, "relay.max_attempts"),
        (f"[relay]\nmax_attempts = 2.5\n[receivers.a]\n{GOOD}", ENV, "relay.max_attempts"),
        ("[relay]\nretries = 3\n", ENV, "relay.retries is not a setting"),
        (f"[receivers.a]\n{GOOD}urls = 'x'\n", ENV, "unknown setting(s) ['urls']"),
        ("[relay\n", ENV, "not valid TOML"),
    ],
)  # fmt: skip
def test_a_bad_receivers_file_is_refused_naming_the_setting(
    tmp_path: Path, text: str, env: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        config(tmp_path, text, env)
    assert named in str(refused.value)


def test_loopback_may_use_http_and_routing_takes_the_first_match(tmp_path: Path) -> None:
    path = tmp_path / "receivers.toml"
    path.write_text(
        '[receivers.aarhus]\nurl = "http://127.0.0.1:9/h"\nsecret_env = "HOOK_SECRET"\n'
        'municipalities = ["Aarhus"]\n'
        '[receivers.rest]\nurl = "http://localhost:9/h"\nsecret_env = "HOOK_SECRET"\n'
        'kinds = ["escalation"]\n',
        encoding="utf-8",
    )
    loaded = load_config(path, ENV)
    assert loaded.receiver_for("Aarhus", "digest").name == "aarhus"  # type: ignore[union-attr]
    assert loaded.receiver_for("Norddjurs", "escalation").name == "rest"  # type: ignore[union-attr]
    assert loaded.receiver_for("Norddjurs", "digest") is None  # left for the pull feed


def test_backoff_doubles_with_jitter_up_to_the_cap_and_retry_after_is_honoured() -> None:
    settings = RelaySettings(first_delay_seconds=2, max_delay_seconds=60)
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (6, 60), (20, 60)]:
        delays = [backoff(attempt, settings, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert retry_after("7", now, 60) == 7
    assert retry_after("3600", now, 60) == 60
    assert retry_after("Wed, 02 Dec 2026 12:00:30 GMT", now, 60) == 30
    assert retry_after("soon", now, 60) is None and retry_after(None, now, 60) is None


def _starter(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}
    command = [sys.executable, "starter.py", "outbox", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)


async def test_starter_outbox_lists_undelivered_and_retries_one(clean_db: str) -> None:
    dead, waiting, done = await insert_messages(clean_db, 3)
    conn = await asyncpg.connect(clean_db)
    try:
        await conn.execute(
            "UPDATE outbox SET state = 'dead', attempts = 12, last_answer = '503 busy' "
            "WHERE message_key = $1", dead
        )  # fmt: skip
        await conn.execute("UPDATE outbox SET state = 'delivered' WHERE message_key = $1", done)
        listed = await asyncio.to_thread(_starter, clean_db)
        assert listed.returncode == 0, listed.stderr
        assert dead in listed.stdout and waiting in listed.stdout and done not in listed.stdout
        assert "503 busy" in listed.stdout and "teamleder" in listed.stdout
        only_dead = await asyncio.to_thread(_starter, clean_db, "--state", "dead")
        assert waiting not in only_dead.stdout
        retried = await asyncio.to_thread(_starter, clean_db, "retry", dead)
        assert retried.returncode == 0, retried.stderr
        row = await conn.fetchrow("SELECT state, attempts FROM outbox WHERE message_key = $1", dead)
        assert (row["state"], row["attempts"]) == ("pending", 0)
        again = await asyncio.to_thread(_starter, clean_db, "retry", dead)
        assert again.returncode == 1 and "no failed or dead-lettered" in again.stdout
        resent = await asyncio.to_thread(_starter, clean_db, "resend", done)
        assert resent.returncode == 0
        assert await conn.fetchval("SELECT state FROM outbox WHERE message_key = $1", done) == (
            "pending"
        )
    finally:
        await conn.close()


async def test_status_says_whether_the_last_escalation_arrived(clean_db: str) -> None:
    [key] = await insert_messages(clean_db, 1, tag="s")
    case = "case-s-1"
    assert await escalation_line(clean_db, "no-such-case") is None
    assert "endnu ikke leveret (0 forsøg)" in str(await escalation_line(clean_db, case))
    english = str(await escalation_line(clean_db, case, "en"))
    assert english.endswith("not delivered yet (0 attempt(s))")
    conn = await asyncpg.connect(clean_db)
    try:
        await conn.execute(
            "UPDATE outbox SET state = 'dead', attempts = 3, last_answer = '500' "
            "WHERE case_id = $1",
            case,
        )
        assert "IKKE leveret, opgivet (3 forsøg; seneste svar: 500)" in str(
            await escalation_line(clean_db, case)
        )
        when = datetime.now(UTC) - timedelta(minutes=1)
        await conn.execute(
            "UPDATE outbox SET state = 'delivered', delivered_at = $2 WHERE case_id = $1",
            case, when,
        )  # fmt: skip
    finally:
        await conn.close()
    assert f"{key}: leveret {when:%Y-%m-%d %H:%M}" in str(await escalation_line(clean_db, case))

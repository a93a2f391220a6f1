"""No CPR-like number or personal field in any log line: the processor on its own, the
logging setup of every entry point, and worker.py and starter.py through a whole scenario
seeded with CPR-like numbers (real dev server, real PostgreSQL, real processes)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from infrastructure.config import REPO_ROOT
from observability.redact import PERSONAL, Personal, redact
from testkit.common import worker_process
from testkit.door import event
from testkit.keys import keys_env

# CPR-like numbers (real dates), written as case systems write them.
SEEDS = ["150385-2237", "0703921145", "281264 3318"]
DIGITS = [seed.replace("-", "").replace(" ", "") for seed in SEEDS]


def _clean(**fields: Any) -> dict[str, Any]:
    return dict(redact(None, "info", dict(fields)))


def test_the_processor_masks_numbers_everywhere() -> None:
    line = _clean(
        event=f"citizen {SEEDS[0]} called",
        nested={"list": [f"x{SEEDS[1]}y", {"deeper": SEEDS[2]}]},
        as_number=703921145,  # 0703921145 sent as a number loses its leading zero
        keyed={SEEDS[0]: "value"},
        ordinary="case K-2026-004711 on 2026-11-23, 12345 kr., run 1234567890123",
        count=3,
    )
    text = json.dumps(line)
    assert not [d for d in DIGITS if d in text.replace("-", "").replace(" ", "")]
    assert line["event"] == "citizen [cpr] called"
    assert line["as_number"] == "[cpr]"
    assert line["ordinary"] == "case K-2026-004711 on 2026-11-23, 12345 kr., run 1234567890123"
    assert line["count"] == 3


def test_the_processor_blanks_personal_fields() -> None:
    line = _clean(
        event="goal set",
        goal=Personal("Truckforer"),
        restrictions=["no lifting"],
        job_goals=[{"title": "x"}],
        reason="ill",
        data={"owner": "sb-1"},
        case_id="K-1",
    )
    assert line["goal"] == PERSONAL
    for name in ("restrictions", "job_goals", "reason", "data"):
        assert line[name] == PERSONAL
    assert line["case_id"] == "K-1"


def test_every_entry_points_logging_redacts() -> None:
    # In a child process: configure_logging changes process-wide state.
    code = f"""
        import logging, structlog
        from observability.logs import configure_logging
        from observability.redact import Personal
        configure_logging("DEBUG")
        log = structlog.get_logger("t")
        log.info("seen {SEEDS[0]}", note="x {SEEDS[1]}", who=Personal("Hans Hansen"))
        logging.getLogger("lib").warning("library says %s", "{SEEDS[2]}")
        try:
            raise ValueError("bad {SEEDS[0]}")
        except ValueError:
            log.exception("failed")
            logging.getLogger("lib").exception("failed too")
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert len(lines) == 4
    assert lines[0]["event"] == "seen [cpr]" and lines[0]["who"] == PERSONAL
    assert "ValueError: bad [cpr]" in lines[2]["exception"]
    assert "Hans" not in result.stderr
    assert _leaks(result.stderr) == []


def _leaks(text: str) -> list[str]:
    squeezed = text.replace("-", "").replace(" ", "")
    return [seed for seed, digits in zip(SEEDS, DIGITS, strict=True) if digits in squeezed]


def _scenario(tmp: Path) -> Path:
    """A batch with valid events and CPR-like numbers in free text, keys and ids."""
    opened = event()
    case = opened["case_id"]
    lines = [
        opened,
        event("job_goal_talk_held", case, job_goals=[{"title": f"Lager {SEEDS[0]}"}]),
        event("job_goal_talk_held", case),
        event("case_paused", case, reason=f"se journal {SEEDS[1]}"),
        event("owner_changed", case, owner="sb-9", team=f"t{DIGITS[2]}"),
        event("case_opened", restrictions=[f"cpr {SEEDS[2]}"]),
        {**event("cv_updated", case), "note": SEEDS[0]},
        event("fit_for_work_declared", case),
        event("cv_updated", case),
    ]
    path = tmp / "events.jsonl"
    text = "\n".join(json.dumps(line) for line in lines)
    path.write_text(text + f"\nnot json but {SEEDS[1]}\n", encoding="utf-8")
    return path


async def test_worker_and_starter_logs_hold_no_cpr(
    dev_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **keys_env(),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": dev_env.client.namespace,
        "DATABASE_URL": clean_db,
        "TRAPPEBRO_TASK_QUEUE": f"redaction-{uuid.uuid4().hex}",
        "LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
    }
    worker_log = tmp_path / "worker.txt"
    async with worker_process(env, worker_log):
        starter = await asyncio.create_subprocess_exec(
            sys.executable,
            "starter.py",
            "ingest",
            str(_scenario(tmp_path)),
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(starter.communicate(), 120)
    said = output.decode()
    # The scenario ran: valid events applied, every seeded line refused by field.
    assert said.startswith("accepted 4, duplicate 0, refused 6"), said
    assert "data.job_goals[0].title: holds a CPR-like number" in said
    logged = worker_log.read_text()
    assert "case step persisted" in logged
    # Every line came through the redacting formatter; nothing bypassed it.
    assert [line for line in logged.splitlines() if not line.startswith("{")] == []
    assert _leaks(said) == [] and _leaks(logged) == []

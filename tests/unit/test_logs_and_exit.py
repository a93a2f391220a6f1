"""JSON log lines, once each, and the exit status `run_main` gives (in child processes: both
change process-wide state; no server)."""

from __future__ import annotations

import json

import pytest

from testkit.common import run_python


def test_logging_writes_json_lines_once() -> None:
    result = run_python(
        """
        import logging, structlog
        from observability.logs import configure_logging
        configure_logging("INFO")
        configure_logging("INFO")  # idempotent: still one line per record
        structlog.contextvars.bind_contextvars(case_id="case-1")
        structlog.get_logger("svc").info("hello", n=1)
        logging.getLogger("lib").warning("from %s", "stdlib")
        logging.getLogger("lib").debug("hidden")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["hello", "from stdlib"]
    assert [line["level"] for line in lines] == ["info", "warning"]
    for line in lines:
        assert line["case_id"] == "case-1"
        assert line["timestamp"].endswith("Z")
    assert lines[0]["n"] == 1


@pytest.mark.parametrize(
    "body, status, stderr",
    [
        ("return 0", 0, ""),
        ("return 3", 3, ""),
        ("return None", 0, ""),
        ("return 256", 1, ""),  # would wrap to 0 in the OS
        ("sys.exit()", 0, ""),
        ("sys.exit(4)", 4, ""),
        ("sys.exit('bye')", 1, "bye"),
        ("raise ValueError('boom')", 1, "ValueError: boom"),
        ("raise KeyboardInterrupt", 130, ""),
    ],
)
def test_run_main_status(body: str, status: int, stderr: str) -> None:
    result = run_python(
        f"""
        import sys
        from infrastructure.exit import run_main
        def main():
            print("output kept", end="")  # piped, so block-buffered: hard_exit must flush
            {body}
        run_main(main)
        """
    )
    assert result.returncode == status, result.stderr
    assert result.stdout == "output kept"
    assert stderr in result.stderr
    if "Error" in stderr:
        assert "Traceback (most recent call last)" in result.stderr
    else:
        assert "Traceback" not in result.stderr

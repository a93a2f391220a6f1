"""Run a proving script (scripts/, bench/) as an operator would, in its own process: it
starts and kills its own servers, which must never happen inside the pytest process."""

from __future__ import annotations

import re
import subprocess
import sys

from testkit.paths import REPO_ROOT


def run_script(script: str, *args: str, timeout: float = 420) -> str:
    """The script's standard output, once it has exited 0 and ended with PASS."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / script), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = result.stdout + result.stderr[-5000:]
    assert result.returncode == 0, output
    assert result.stdout.rstrip().endswith("PASS"), output
    return result.stdout


def figure(stdout: str, label: str) -> str:
    """The value printed after `label` in the script's figures."""
    match = re.search(rf"^\s+{re.escape(label)}\s+(.+)$", stdout, re.MULTILINE)
    assert match is not None, f"no figure {label!r} in:\n{stdout}"
    return match.group(1).strip()

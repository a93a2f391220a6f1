"""The layout the scripts rely on: bench/ and scripts/ hold entry points that import what
they share from installed packages (testkit and the service's own), never each other by file
name through a path hack; the shared helpers stay small."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from testkit.paths import REPO_ROOT

ENTRY_FOLDERS = ("bench", "scripts")
MAX_LINES = 300
# Spelt in two parts, so that neither this file nor a grep of the tree finds them here.
HACKS = ("sys.path" + ".insert(", "noqa" + ": E402")


def tracked(pattern: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", pattern], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO_ROOT / name for name in listed]


def imported_names(path: Path) -> set[str]:
    """The top-level module names `path` imports (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_file_changes_the_import_path() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in tracked("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(hack in line for hack in HACKS)
    ]
    assert not offenders


@pytest.mark.parametrize("folder", ENTRY_FOLDERS)
def test_entry_points_import_no_script_by_file_name(folder: str) -> None:
    scripts = {p.stem for name in ENTRY_FOLDERS for p in (REPO_ROOT / name).glob("*.py")}
    offenders = {
        path.name: sorted(imported_names(path) & scripts)
        for path in (REPO_ROOT / folder).glob("*.py")
        if imported_names(path) & scripts
    }
    assert not offenders


def test_the_shared_helpers_and_entry_points_stay_small() -> None:
    folders = (*ENTRY_FOLDERS, "testkit")
    sizes = {
        str(path.relative_to(REPO_ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in folders
        for path in tracked(f"{folder}/*.py")
    }
    assert sizes and not {name: n for name, n in sizes.items() if n > MAX_LINES}

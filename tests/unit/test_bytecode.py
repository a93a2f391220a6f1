"""The worker writes the workflow modules' bytecode, which the sandbox reads on every run."""

import importlib.util
import shutil
from pathlib import Path

import workflows
from composition import cache_bytecode


def test_cache_bytecode_writes_every_workflow_module(tmp_path: Path) -> None:
    folder = tmp_path / "workflows"
    source = Path(workflows.__file__).parent
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted(folder.glob("*.py"))
    assert len(modules) == len(list(source.glob("*.py"))) > 1

    cache_bytecode(folder)

    missing = [
        m.name for m in modules if not Path(importlib.util.cache_from_source(str(m))).is_file()
    ]
    assert missing == []

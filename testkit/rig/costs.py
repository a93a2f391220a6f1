"""Where a benchmark's time goes: CPU seconds of each process from /proc, what the workflow
histories hold per unit of work, and cProfile of every thread of a worker (bench/throughput.py
and bench/scale.py print these beside their rates)."""

from __future__ import annotations

import cProfile
import os
import pstats
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from testkit.paths import REPO_ROOT
from testkit.rig.tasks import gather_limited

TICKS = os.sysconf("SC_CLK_TCK")


class ThreadProfiles:
    """cProfile for every thread of the worker: the event loop, and the pool threads where
    the SDK runs workflow activations (a plain cProfile sees only the thread it starts in)."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.setprofile(self._bootstrap)  # threads started from now on
        self._add().enable()

    def _add(self) -> cProfile.Profile:
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        return profile

    def _bootstrap(self, frame: FrameType, event: str, arg: Any) -> None:
        # The first call in a new thread: profile it from here (replaces this hook there).
        self._add().enable()

    def summary(self, top: int = 12) -> dict[str, Any]:
        """Own CPU time by package, and the functions that take most of it."""
        threading.setprofile(None)
        with self._lock:
            profiles = list(self._profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        by_package: Counter[str] = Counter()
        functions: Counter[str] = Counter()
        for (filename, line, name), (_, _, own, _, _) in raw.items():
            if _waiting(filename, name):
                continue
            by_package[_package(filename, name)] += own
            functions[f"{_short(filename)}:{line}({name})"] += own
        total = sum(by_package.values()) or 1.0
        return {
            "threads profiled": len(profiles),
            "own time (s, waiting excluded)": round(total, 2),
            "own time by package (%)": {
                k: round(100 * v / total, 1) for k, v in by_package.most_common(10)
            },
            "top functions (% of own time)": {
                k: round(100 * v / total, 1) for k, v in functions.most_common(top)
            },
        }


def _waiting(filename: str, name: str) -> bool:
    """Time blocked, not working: the event loop's select, pool threads' idle waits."""
    return name in (
        "<method 'poll' of 'select.epoll' objects>",
        "<method 'acquire' of '_thread.lock' objects>",
        "<method 'get' of '_queue.SimpleQueue' objects>",
    )


def _stat(pid: int) -> list[str]:
    # Fields after the command name, which may hold spaces: state is [0], ppid [1].
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None, with_children: bool = False) -> float | None:
    """User + system CPU of a process (and, for a server like PostgreSQL, of its children,
    live or exited) in seconds; None when it is not ours to see."""
    if pid is None:
        return None
    try:
        fields = _stat(pid)
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # children already reaped
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                child = _stat(int(entry.name))
            except OSError:
                continue
            if int(child[1]) == pid:
                ticks += int(child[11]) + int(child[12])
    return ticks / TICKS


@dataclass
class CpuMeter:
    worker: int
    server: int
    postgres: int | None

    def read(self) -> dict[str, float | None]:
        return {
            "worker": cpu_seconds(self.worker),
            "temporal server": cpu_seconds(self.server),
            "postgresql": cpu_seconds(self.postgres, with_children=True),
            "client (this process)": time.process_time(),
        }


def cpu_per_unit(before: dict[str, float | None], after: dict[str, float | None],
                 units: int) -> dict[str, float | None]:  # fmt: skip
    """Milliseconds of CPU per unit of work, per process."""
    out: dict[str, float | None] = {}
    for name, start in before.items():
        end = after[name]
        out[name] = None if start is None or end is None else round(1000 * (end - start) / units, 2)
    return out


async def history_counts(client: Client, ids: list[str], per: int) -> dict[str, float]:
    """Per unit of work (`per` units in these workflows): what the histories hold."""

    async def one(wid: str) -> Counter[str]:
        counts = Counter[str]()
        async for event in client.get_workflow_handle(wid).fetch_history_events():
            counts[EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")] += 1
            counts["history events"] += 1
        return counts

    total = Counter[str]()
    for counts in await gather_limited(16, [one(w) for w in ids]):
        total += counts
    shown = {
        "workflow tasks": total["WORKFLOW_TASK_COMPLETED"],
        "activities": total["ACTIVITY_TASK_SCHEDULED"],
        "local activities": total["MARKER_RECORDED"],
        "timers": total["TIMER_STARTED"],
        "signals": total["WORKFLOW_EXECUTION_SIGNALED"],
        "updates": total["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"],
        "search attribute upserts": total["UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"]
        + total["WORKFLOW_PROPERTIES_MODIFIED"],
        "history events": total["history events"],
    }
    return {name: round(count / per, 2) for name, count in shown.items()}


def _package(filename: str, name: str) -> str:
    if filename == "~":  # C functions: name them by what they are
        return "C: " + name.split(" of ")[-1].strip("<>'").split("'")[0][:40]
    if filename.startswith("<"):
        return "import machinery / generated code"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(REPO_ROOT)):
        return "trappebro " + Path(filename).relative_to(REPO_ROOT).parts[0]
    return "stdlib " + Path(filename).stem


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{REPO_ROOT}/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename

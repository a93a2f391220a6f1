"""Both policies' replays on two cores where there are two. A forked child (it inherits
the events read) replays every case under the new policy and the last part of them under
the current one, and sends back only figures; this process replays the first part under
the current policy, under the progress bar, and loads the drawing library while the
child, with the larger share, finishes. Each case's replay is independent of every
other, so the figures are the same however the cases are shared out (`Figures.add`)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from core.policy import PolicyBook
from reports.data import Period
from reports.whatif.figures import Figures, figures
from reports.whatif.replay import Logged, policies_of, replay_case

BAR_EVERY = 200  # cases between progress-bar updates
# The share of the current policy's cases this process replays when a child helps: while
# the child finishes, this one loads matplotlib (about half a replay) for the charts.
HERE = 0.75


@dataclass(frozen=True)
class Job:
    events: dict[str, list[Logged]]
    period: Period
    until: datetime


_job: Job | None = None  # what a forked child inherits
Done = Callable[[int], None]


def replay_figures(
    job: Job, books: tuple[PolicyBook, PolicyBook], names: tuple[str, str], console: Console
) -> tuple[Figures, Figures]:
    """The current (first) and new (second) policy's figures."""
    cases = list(job.events)
    two = (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()
    cut = int(len(cases) * HERE) if two else len(cases)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task(f"replaying under {names[0]}", total=cut)
        if not two:
            current = _one(
                job, cases, books[0], names[0], lambda n: progress.update(bar, completed=n)
            )
            new = _one(job, cases, books[1], names[1], lambda n: None)
            return current, new
        global _job
        _job = job
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            helped = pool.submit(_in_child, cases[cut:], books, names)
            current = _one(job, cases[:cut], books[0], names[0],
                           lambda n: progress.update(bar, completed=n))  # fmt: skip
            progress.add_task(f"replaying under {names[1]}", total=None)
            import reports.whatif.charts  # noqa: F401  (loaded while the child works)

            rest, new = helped.result()
    current.add(rest)
    return current, new


def _in_child(
    rest: list[str], books: tuple[PolicyBook, PolicyBook], names: tuple[str, str]
) -> tuple[Figures, Figures]:
    assert _job is not None, "forked after the job was set"
    new = _one(_job, list(_job.events), books[1], names[1], lambda n: None)
    return _one(_job, rest, books[0], names[0], lambda n: None), new


def _one(job: Job, cases: Sequence[str], book: PolicyBook, name: str, done: Done) -> Figures:
    policies, runs = policies_of(book), {}
    for n, case_id in enumerate(cases, 1):
        runs[case_id] = replay_case(case_id, job.events[case_id], policies, job.until)
        if n % BAR_EVERY == 0 or n == len(cases):
            done(n)
    return figures(name, runs, job.period)

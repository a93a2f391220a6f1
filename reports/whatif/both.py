"""Both policies' replays, side by side on two cores where there are two: the new
policy's in a forked child (it inherits the events read, and sends back only its
figures), the current one's here under the progress bar. Each replay is independent of
the other, so the figures are the same either way."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from core.policy import PolicyBook
from reports.data import Period
from reports.whatif.figures import Figures, figures
from reports.whatif.replay import Logged, policies_of, replay_case

BAR_EVERY = 200  # cases between progress-bar updates


@dataclass(frozen=True)
class Job:
    events: dict[str, list[Logged]]
    period: Period
    until: datetime


_job: Job | None = None  # what a forked child inherits


def replay_figures(
    job: Job, books: Sequence[PolicyBook], names: Sequence[str], console: Console
) -> list[Figures]:
    """Each policy's figures, in the order given."""
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        pool, futures = _fork(job, books[1:], names[1:])
        try:
            task = progress.add_task(f"replaying under {names[0]}", total=len(job.events))
            out = [_one(job, books[0], names[0], lambda n: progress.update(task, completed=n))]
            if pool is None:
                for book, name in zip(books[1:], names[1:], strict=True):
                    out.append(_one(job, book, name, lambda n: None))
            else:
                progress.add_task(f"replaying under {', '.join(names[1:])}", total=None)
                out += [future.result() for future in futures]
        finally:
            if pool is not None:
                pool.shutdown()
    return out


def _fork(
    job: Job, books: Sequence[PolicyBook], names: Sequence[str]
) -> tuple[ProcessPoolExecutor | None, list[Future[Figures]]]:
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None, []
    global _job
    _job = job
    pool = ProcessPoolExecutor(len(books), mp_context=multiprocessing.get_context("fork"))
    return pool, [pool.submit(_in_child, b, n) for b, n in zip(books, names, strict=True)]


def _in_child(book: PolicyBook, name: str) -> Figures:
    assert _job is not None, "forked after the job was set"
    return _one(_job, book, name, lambda n: None)


def _one(job: Job, book: PolicyBook, name: str, done: Callable[[int], None]) -> Figures:
    policies, runs = policies_of(book), {}
    for n, (case_id, logged) in enumerate(job.events.items(), 1):
        runs[case_id] = replay_case(case_id, logged, policies, job.until)
        if n % BAR_EVERY == 0 or n == len(job.events):
            done(n)
    return figures(name, runs, job.period)

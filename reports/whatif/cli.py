"""`starter.py whatif`: a period's logged events replayed under the current policy and a
new one, side by side: tables in the terminal (a progress bar while it runs), three PNG
charts and one self-contained HTML page in a folder. Reads PostgreSQL only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console

from core.policy import PolicyBook
from infrastructure.command_line import add_command
from reports.cli import checked_period, period_arguments, print_table, wrote
from reports.data import TZ, Period
from reports.language import say
from reports.page import page
from reports.tables import Table
from reports.whatif import tables as whatif_tables
from reports.whatif.both import Job, replay_figures
from reports.whatif.figures import Figures, weeks_in
from reports.whatif.policies import PolicyFileError, read_policy
from reports.whatif.source import load_events
from reports.whatif.words import NO_STATUTORY, change
from reports.words import Headline

HTML_NAME = "whatif.html"


def add_parser(commands: Any) -> None:
    """The `whatif` subcommand on starter.py's parser (`commands`: its subparsers)."""
    whatif = add_command(
        commands,
        "whatif",
        "replay a period's real events under another policy, before it goes live",
        "Reads the period's logged case events from PostgreSQL and replays "
        "every case through the process rules, deadlines and escalations included, under "
        "the current policy and under --policy; prints the difference (messages by kind, "
        "level, recipient group and week, stalled cases, time in stage, handover lead "
        "time, the cases that change most) and writes PNG charts and "
        f"{HTML_NAME} to --out. Needs DATABASE_URL, not Temporal.",
    )
    whatif.add_argument(
        "--policy", type=Path, required=True, metavar="NEW.toml", help="the policy file to try"
    )
    whatif.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="CURRENT.toml",
        help="compare with this file (default: the service's, TRAPPEBRO_POLICY)",
    )
    period_arguments(whatif)
    whatif.add_argument(
        "--out",
        type=Path,
        default=Path("whatif"),
        help="folder for the PNGs and HTML (default ./whatif)",
    )


def main(args: argparse.Namespace, database_url: str | None, service_policy: Path) -> int:
    """Check both policy files first: nothing is read while one of them is wrong."""
    errors = Console(stderr=True)
    try:
        new = read_policy(args.policy)
        current = read_policy(args.against or service_policy)
    except PolicyFileError as error:
        errors.print(
            f"starter.py whatif: refused {error.path}: {error.key}: {error.reason}",
            style="red",
            markup=False,
            highlight=False,
        )
        return 2
    period = checked_period(args, database_url, "whatif", errors)
    if period is None or not database_url:
        return 2
    lang = args.lang
    names = (say(lang, "current"), say(lang, "new ({file})", file=args.policy.name))
    return asyncio.run(run(database_url, period, (current, new), names, args.out, Console(), lang))


async def run(
    database_url: str,
    period: Period,
    books: tuple[PolicyBook, PolicyBook],
    names: tuple[str, str],
    out: Path,
    console: Console,
    lang: str,
) -> int:
    started = time.perf_counter()
    # Reading and replaying make millions of short-lived objects and no cycles worth
    # collecting: the collector's passes over them would cost a third of the time.
    gc.freeze()
    gc.disable()
    conn = await asyncpg.connect(database_url)
    try:
        events = await load_events(conn, period)
    finally:
        await conn.close()
    if not events:
        label = period.label_in(lang)
        console.print(say(lang, "No case events in {period}: nothing to replay.", period=label))
        return 1
    job = Job(events, period, until=min(period.end, datetime.now(UTC)))
    current, new = replay_figures(job, books, names, console)
    weeks = weeks_in(period)
    print_all(lang, period, current, new, len(weeks), console)
    written = await asyncio.to_thread(write_files, lang, period, current, new, weeks, out)
    console.print("\n" + wrote(lang, written, time.perf_counter() - started))
    return 0


def headlines(lang: str, current: Figures, new: Figures) -> list[Headline]:
    a, b = sum(current.messages.values()), sum(new.messages.values())
    leads = ("sick_leave_team_lead", "company_service_team_lead")

    def lead_peak(side: Figures) -> int:
        return max((n for (g, _), n in side.group_weeks.items() if g in leads), default=0)

    x, y = len(current.stalled_in_period), len(new.stalled_in_period)
    p, q = lead_peak(current), lead_peak(new)
    return [
        Headline(say(lang, "Messages in the period"), f"{a} → {b}", change(lang, a, b)),
        Headline(say(lang, "Cases that stalled"), f"{x} → {y}", change(lang, x, y)),
        Headline(
            say(lang, "A team lead's busiest week"),
            f"{p} → {q}",
            say(lang, "messages to one team lead"),
        ),
        Headline(
            say(lang, "Cases replayed"),
            str(current.cases),
            say(lang, "every case with events in the period"),
        ),
    ]


def print_all(
    lang: str, period: Period, current: Figures, new: Figures, weeks: int, c: Console
) -> None:
    title, label = say(lang, "Trappebro what-if"), period.label_in(lang)
    c.print(f"[bold]{title}[/bold]: {label}: {current.label} → {new.label}\n")
    for headline in headlines(lang, current, new):
        c.print(f"  [bold]{headline.value}[/bold]  {headline.label}  ({headline.note})")
    for table in whatif_tables.all_tables(lang, current, new, weeks):
        print_table(table, c)
    c.print(f"\n{say(lang, NO_STATUTORY)}")


def write_files(
    lang: str, period: Period, current: Figures, new: Figures, weeks: list[date], out: Path
) -> list[Path]:
    """The charts and the HTML page (each chart above the table it goes with)."""
    from reports.whatif import charts  # matplotlib: after the replay, which overlaps it

    out.mkdir(parents=True, exist_ok=True)
    written, above = [], {}
    for name, (table_title, draw) in charts.CHARTS.items():
        png = draw(lang, current, new, weeks)
        (out / name).write_bytes(png)
        written.append(out / name)
        above[say(lang, table_title)] = png
    tables = whatif_tables.all_tables(lang, current, new, len(weeks))
    sections = [(t.title, above.get(t.title), t) for t in tables]
    statutory = Table(say(lang, "Statutory timeliness"), say(lang, NO_STATUTORY), ("",), [])
    sections.append((statutory.title, None, statutory))
    html = page(
        period,
        headlines(lang, current, new),
        sections,
        datetime.now(TZ),
        lang,
        title=say(lang, "What if: {current} → {new}", current=current.label, new=new.label),
        source=say(lang, "the events logged in case_event, replayed through the process rules"),
    )
    (out / HTML_NAME).write_text(html, encoding="utf-8")
    written.append(out / HTML_NAME)
    return written

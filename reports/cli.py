"""`starter.py report`: tables in the terminal, four PNG charts and one HTML page in a folder.

Reads PostgreSQL only (DATABASE_URL), never Temporal, so it runs wherever the database
is reachable, e.g. on a reporting replica.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table as RichTable

from infrastructure.command_line import add_command, lacks_database, refuse
from reports import tables
from reports.data import TZ, Period, ReportData, load
from reports.language import DEFAULT, LANGUAGES, N_, say
from reports.page import page
from reports.words import headlines

HTML_NAME = "report.html"
# The page's order: heading, chart file (or none), the table's maker.
SECTIONS = (
    (N_("From case opened to employed"), "funnel.png", tables.funnel),
    (N_("Time in each stage"), "time_in_stage.png", tables.time_in_stage),
    (N_("Handover lead time"), "lead_time.png", tables.lead_time),
    (N_("Missed deadlines"), "escalations.png", tables.escalations),
    (N_("Which paths end in work"), "", tables.paths),
    (N_("Open cases today"), "", tables.open_cases),
    (N_("Company-service openings"), "", tables.openings),
    (N_("Statutory follow-up"), "timeliness.png", tables.timeliness),
    (N_("Overdue on statutory follow-up"), "", tables.statutory_overdue),
)


def add_parser(commands: Any) -> None:
    """The `report` subcommand on starter.py's parser (`commands`: its subparsers)."""
    report = add_command(
        commands,
        "report",
        "write a report for team leads (tables, PNG charts, one HTML page)",
        "Time in each stage, handover lead time (acceptance day minus "
        "fit-for-work day: negative means help started before the citizen was fit), missed "
        "deadlines by department and week, the way from case opened to employed, which "
        "paths end in work, open cases by age, openings, and the timeliness of statutory "
        "follow-up (and who is overdue now). Prints the tables and writes time_in_stage.png, "
        f"lead_time.png, escalations.png, funnel.png, timeliness.png and {HTML_NAME} "
        "(self-contained: images inlined) to --out. Reads PostgreSQL only: needs "
        "DATABASE_URL, not Temporal.",
    )
    period_arguments(report)
    report.add_argument("--out", type=Path, default=Path("report"),
                        help="folder for the PNGs and HTML (default ./report)")  # fmt: skip


def period_arguments(parser: argparse.ArgumentParser) -> None:
    """--from, --to, --municipality (the period a command reads) and --lang."""
    parser.add_argument("--from", dest="first", type=date.fromisoformat, required=True,
                        metavar="YYYY-MM-DD", help="first day of the period")  # fmt: skip
    parser.add_argument("--to", dest="last", type=date.fromisoformat, required=True,
                        metavar="YYYY-MM-DD", help="last day of the period (included)")  # fmt: skip
    parser.add_argument("--municipality", default=None,
                        help="one municipality, e.g. Norddjurs (default: all)")  # fmt: skip
    parser.add_argument("--lang", choices=LANGUAGES, default=DEFAULT,
                        help=f"the texts' language (default {DEFAULT}: Danish)")  # fmt: skip


def print_tables(data: ReportData, console: Console) -> None:
    title = say(data.lang, "Trappebro report")
    console.print(f"[bold]{title}[/bold]: {data.period.label_in(data.lang)}\n")
    for headline in headlines(data):
        console.print(f"  [bold]{headline.value}[/bold]  {headline.label}  ({headline.note})")
    for table in tables.all_tables(data):
        print_table(table, console)


def print_table(table: tables.Table, console: Console) -> None:
    rich = RichTable(title=table.title, caption=table.note, title_justify="left")
    for header in table.headers:
        rich.add_column(header)
    for row in table.rows:
        rich.add_row(*row)
    console.print()
    console.print(rich)


def write_files(data: ReportData, out: Path) -> list[Path]:
    """The PNGs and the HTML page in `out`; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    from reports import charts  # matplotlib takes half a second: only where drawn

    pngs = {name: draw(data) for name, (_, draw) in charts.CHARTS.items()}
    written = []
    for name, png in pngs.items():
        (out / name).write_bytes(png)
        written.append(out / name)
    sections = [
        (say(data.lang, heading), pngs.get(png), make(data)) for heading, png, make in SECTIONS
    ]
    html = page(data.period, headlines(data), sections, datetime.now(TZ), data.lang)
    (out / HTML_NAME).write_text(html, encoding="utf-8")
    written.append(out / HTML_NAME)
    return written


def checked_period(
    args: argparse.Namespace, database_url: str | None, command: str, errors: Console
) -> Period | None:
    """The period a PostgreSQL command reads, or None (and why, said) when it cannot run."""
    if lacks_database(errors, command, database_url):
        return None
    if args.last < args.first:
        refuse(errors, command, "--to is before --from")
        return None
    return Period(args.first, args.last, args.municipality)


async def make_report(
    database_url: str, period: Period, out: Path, console: Console, lang: str = DEFAULT
) -> float:
    """Read, print and write the report in `lang`; returns the seconds it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(database_url)
    try:
        data = await load(conn, period, lang)
    finally:
        await conn.close()
    print_tables(data, console)
    written = await asyncio.to_thread(write_files, data, out)
    seconds = time.perf_counter() - started
    console.print("\n" + wrote(lang, written, seconds))
    return seconds


def wrote(lang: str, written: list[Path], seconds: float) -> str:
    files = ", ".join(str(p) for p in written)
    return say(lang, "wrote {files} in {seconds} s", files=files, seconds=f"{seconds:.1f}")


async def run(args: argparse.Namespace, database_url: str | None) -> int:
    period = checked_period(args, database_url, "report", Console(stderr=True))
    if period is None or not database_url:
        return 2
    await make_report(database_url, period, args.out, Console(), args.lang)
    return 0

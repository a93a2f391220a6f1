"""The case system's door: send events to cases, and look a case up.

  python starter.py ingest events.jsonl      # JSON Lines, or - for standard input
  python starter.py status K-2026-000101     # the case in words (--json for machines)
  python starter.py opening O-2026-0042      # an opening in words
  python starter.py report --from 2026-01-01 --to 2026-06-30 --out report   # team leads
  python starter.py outbox                    # undelivered messages; outbox retry|resend KEY

Temporal settings come from the environment as for the `temporal` CLI (TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles); TRAPPEBRO_TASK_QUEUE names the queue.
"""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from temporalio.client import Client

from doors.ingest import IngestReport, ingest
from doors.status import case_status, opening_status
from infrastructure.command_line import add_command
from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.temporal import MissingPayloadKey, connect
from observability.logs import configure_logging
from outbox import cli as outbox_cli
from reports import cli as report_cli
from reports.whatif import cli as whatif_cli

PROGRESS_FROM = 200  # lines: a shorter batch is done before a bar would help


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="starter.py",
        description="The case system's door into Trappebro.",
        epilog="Temporal settings: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, "
        "TLS variables and profiles as for the temporal CLI; TRAPPEBRO_TASK_QUEUE.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ing = add_command(
        commands,
        "ingest",
        "send events (JSON Lines) to their cases",
        "Validate each line, send valid events by signal-with-start (a case "
        "starts on its first event; events before case_opened are held), wait for each "
        "case to apply them, and report accepted, duplicate and refused events with one "
        "line per refusal. Exit status 0 only when nothing was refused.",
    )
    ing.add_argument("file", help="a JSON Lines file, or - for standard input")
    ing.add_argument("--concurrency", type=int, default=16, help="cases sent in parallel (16)")
    ing.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    _look_up_parser(
        commands,
        "status",
        "show a case in words",
        "Stage, owner, next deadline, escalation, last event and timeline.",
        ("case_id", "the case system's case number, e.g. K-2026-000101"),
    )
    _look_up_parser(
        commands,
        "opening",
        "show an opening in words",
        "Status, employer, occupation, candidates-by deadline, proposals, timeline.",
        ("opening_id", "the company service's opening id, e.g. O-2026-0042"),
    )
    demo = add_command(
        commands,
        "demo",
        "open one demo case now (watch it escalate under the demo policy)",
        "Send one case_opened event that occurred now, so its deadlines lie "
        "ahead: under policies/demo.toml it escalates to level 3 within a minute.",
    )
    demo.add_argument("--case-id", default=None, help="case number (default: a new one)")
    report_cli.add_parser(commands)
    outbox_cli.add_parser(commands)
    whatif_cli.add_parser(commands)
    return parser


def _look_up_parser(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    name: str,
    summary: str,
    description: str,
    key: tuple[str, str],
) -> None:
    """A command that shows one case or opening, in words or (--json) as its whole state."""
    command = add_command(commands, name, summary, description)
    command.add_argument(key[0], help=key[1])
    command.add_argument("--json", action="store_true", help="print the whole state as JSON")


def demo_event(case_id: str | None) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    case = case_id or f"DEMO-{now:%Y%m%d-%H%M%S}"
    event = {
        "event_id": f"{case}-opened",
        "case_id": case,
        "type": "case_opened",
        "occurred_at": now.isoformat(),
        "data": {
            "municipality": "Demo",
            "owner": "sb-demo",
            "team": "sygedagpenge-demo",
            "sick_listed_on": (now - timedelta(weeks=6)).date().isoformat(),
            "employment_ended_on": (now - timedelta(weeks=2)).date().isoformat(),
        },
    }
    return json.dumps(event)


async def _ingest(
    client: Client,
    queue: str,
    lines: Sequence[str | bytes],
    concurrency: int = 16,
    progress_bar: bool = True,
) -> int:
    show = progress_bar and len(lines) >= PROGRESS_FROM
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
    ) as progress:
        task = progress.add_task("events", total=len(lines))
        report = await ingest(
            client,
            queue,
            lines,
            concurrency=concurrency,
            on_done=lambda n: progress.advance(task, n),
        )
    _print_report(report)
    return 0 if report.ok else 1


def _print_report(report: IngestReport) -> None:
    print(
        f"accepted {report.accepted}, duplicate {report.duplicate}, "
        f"refused {len({r.line for r in report.refused})}"
    )
    for refusal in report.refused:
        print(f"line {refusal.line}: {refusal.field}: {refusal.reason}")
    for line in report.unconfirmed:
        print(f"line {line}: sent, but the case did not confirm it in time; check its status")


async def _run(args: argparse.Namespace, lines: list[str | bytes]) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        client = await connect(settings)
    except MissingPayloadKey as err:
        print(f"starter.py: {err}", file=sys.stderr)
        return 2
    if args.command == "status":
        return await case_status(client, args.case_id, args.json, settings.database_url)
    if args.command == "opening":
        return await opening_status(client, args.opening_id, args.json)
    if args.command == "demo":
        line = demo_event(args.case_id)
        case_id = json.loads(line)["case_id"]
        status = await _ingest(client, settings.task_queue, [line])
        print(f"opened {case_id}; then: .venv/bin/python starter.py status {case_id}")
        print("  .venv/bin/temporal workflow list --query 'Stalled=true'")
        return status
    return await _ingest(
        client, settings.task_queue, lines, args.concurrency, progress_bar=not args.no_progress
    )


def _read(path: str) -> list[str | bytes]:
    """The lines as sent; one that is not UTF-8 stays bytes, so intake refuses that line
    (`line 7: <line>: not valid JSON (not UTF-8)`) instead of the whole file failing."""
    if path == "-":
        raw = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as source:
            raw = source.read()
    return [_text(line) for line in raw.splitlines()]


def _text(line: bytes) -> str | bytes:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line


def main() -> int:
    args = _parser().parse_args()
    if args.command == "demo":  # its case names the demo policy's municipality, as scripts/up runs
        os.environ.setdefault("TRAPPEBRO_POLICY", "policies/demo.toml")
    if args.command == "report":  # PostgreSQL only: no Temporal client, no payload key
        return asyncio.run(report_cli.run(args, load_settings().database_url))
    if args.command == "outbox":
        return asyncio.run(outbox_cli.run(args, load_settings().database_url))
    if args.command == "whatif":  # PostgreSQL only, as report
        return whatif_cli.main(args, load_settings().database_url, load_settings().policy_path)
    lines = _read(args.file) if args.command == "ingest" else []
    return asyncio.run(_run(args, lines))


if __name__ == "__main__":
    run_main(main)

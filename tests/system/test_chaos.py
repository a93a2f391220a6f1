"""The chaos test, small: a generated batch through the real dev server, PostgreSQL and
worker.py while the worker is SIGKILLed, PostgreSQL is stopped for 10 s and the dev server
is restarted on its database file, the outbox relay is SIGKILLed and the webhook receiver is
down for 10 s; every event applied once, every escalation written once, no workflow failed,
every open case with an owner and a deadline ahead, every outbox row delivered and received
under its own id, and every opening the cases proposed to holds each proposal, decline and
placement its case accepted exactly once (the case workflow tells it: workflows/hand_off.py)."""

import re

from testkit.scripts import figure, run_script


def test_worker_killed_postgres_stopped_server_restarted_loses_and_repeats_nothing() -> None:
    stdout = run_script(
        "scripts/chaos_test.py",
        *("--cases", "50", "--seed", "20261201", "--kills", "1", "--pg-stop", "10"),
        *("--server-restarts", "1", "--concurrency", "4", "--settle-timeout", "180"),
        *("--relay-kills", "1", "--receiver-down", "10"),
    )
    assert figure(stdout, "PostgreSQL stops").startswith("1 ")
    assert figure(stdout, "dev server restarts (db file kept)").startswith("1 ")
    assert figure(stdout, "worker kills (SIGKILL)").startswith("1 ")
    assert figure(stdout, "workflows failed") == "0"
    open_cases = figure(stdout, "open cases")
    assert figure(stdout, "open cases, owner and deadline ahead") == open_cases
    assert figure(stdout, "outbox messages") == figure(stdout, "outbox expected (pure core)")
    # The outbox reached the receiver: every row delivered, each id received at least once,
    # and no id that is not a row (a resend is only ever the same message).
    # Rows: the cases' messages, match suggestions and the openings' own messages.
    rows = figure(stdout, "outbox rows")
    case_rows = int(figure(stdout, "outbox messages"))
    assert int(rows) >= case_rows + int(figure(stdout, "match suggestions (openings)"))
    assert figure(stdout, "outbox rows delivered") == rows
    assert figure(stdout, "distinct webhook-ids received") == rows
    assert int(figure(stdout, "webhook deliveries received")) >= int(rows)
    assert figure(stdout, "relay kills (SIGKILL)") == "1"
    assert figure(stdout, "receiver outages").startswith("1")
    openings = re.fullmatch(r"(\d+) \((\d+)\)", figure(stdout, "openings (case events on them)"))
    assert openings is not None and int(openings.group(1)) > 0 and int(openings.group(2)) > 0
    assert figure(stdout, "openings differing from the core") == "0"

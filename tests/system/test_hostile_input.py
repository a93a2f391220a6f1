"""Hostile input, small: malformed, oversized, CPR-bearing, duplicated and out-of-order
events through starter.py, the HTTP door and straight to a case workflow; intake is the
oracle, and nothing it refuses gets in anywhere."""

from testkit.scripts import figure, run_script


def test_every_door_refuses_what_intake_refuses_and_nothing_crashes() -> None:
    stdout = run_script(
        "scripts/hostile_input.py", "--events", "1000", "--direct", "150", "--seed", "11"
    )
    assert figure(stdout, "workflows failed, workflow tasks failed") == "0, 0"
    refused = int(figure(stdout, "items intake refuses"))
    assert refused > 1000  # of the 2,000 items, most are hostile
    assert int(figure(stdout, "starter.py: refused as intake refuses")) > 0
    assert int(figure(stdout, "HTTP door: refused as intake refuses")) > 0
    # CPR numbers in every writing and inside ids: all refused, found nowhere afterwards.
    sent, refused_cpr = figure(stdout, "CPR-bearing items, refused by intake").split(", ")
    assert int(sent) > 100 and refused_cpr == sent
    for where in ("rows", "log lines"):
        assert figure(stdout, f"CPR search: {where} with a number") == "0"
    assert figure(stdout, "CPR search: hits in workflows") == "0"
    tables, rows = figure(stdout, "CPR search: tables, rows").split(", ")
    assert int(tables) >= 8 and int(rows) > 0

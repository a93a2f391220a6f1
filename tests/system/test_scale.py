"""The scale benchmark, small: cases opened in timed steps on the real stack, escalations
under load written once each; figures only (the aims are for the long run by hand)."""

from testkit.scripts import figure, run_script


def test_cases_open_in_steps_and_every_escalation_is_written_once() -> None:
    stdout = run_script(
        "bench/scale.py",
        *("--cases", "600", "--step", "200", "--latency-cases", "20", "--no-targets"),
    )
    assert figure(stdout, "escalations under load") == "60 of 60 expected"
    assert figure(stdout, "case_event rows") == "620"
    assert figure(stdout, "workflows failed") == "0"

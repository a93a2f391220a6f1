"""The hand-off between workflows, on a real dev server, PostgreSQL and worker.py
(scripts/hand_off_test.py): the door SIGKILLed right after the case accepted a proposal,
and the server frozen longer than the door's patience as the case takes a placement; the
opening hears of each exactly once."""

from temporalio.api.enums.v1 import EventType

from testkit.builders import HISTORIES
from testkit.replay import history
from testkit.scripts import figure, run_script
from workflows.hand_off import IN_BACKGROUND


def test_an_accepted_proposal_or_placement_reaches_its_opening_once_whatever_the_door() -> None:
    stdout = run_script("scripts/hand_off_test.py", "--freeze", "15", "--patience", "4")
    assert figure(stdout, "door alive when killed") == "yes"
    assert figure(stdout, "proposal on the opening (times)") == "1"
    assert figure(stdout, "door's receipt").startswith("none (gave up")
    assert float(figure(stdout, "dev server frozen (s)")) >= 15
    assert figure(stdout, "placement on the opening (times)") == "1"


def _signals_to_openings(version: str) -> list[str]:
    events = history(HISTORIES / version / "happy_path.json").events
    return [
        e.signal_external_workflow_execution_initiated_event_attributes.workflow_execution.workflow_id
        for e in events
        if e.event_type == EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED
    ]


def test_only_cases_recorded_after_the_change_tell_openings_themselves() -> None:
    # happy_path proposes and places on one opening: v3 (after the patch) signals it twice,
    # the histories from before never did, and every one of them replays (test_replay_all).
    assert _signals_to_openings("v1") == _signals_to_openings("v2") == []
    assert len(set(_signals_to_openings("v3"))) == 1 and len(_signals_to_openings("v3")) == 2


def _patches(version: str) -> list[str]:
    events = history(HISTORIES / version / "happy_path.json").events
    return [
        e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data.decode()
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and "patch-data" in e.marker_recorded_event_attributes.details
    ]


def test_since_v5_the_case_sends_its_hand_offs_without_waiting_and_still_in_order() -> None:
    # v4 awaited each signal before its next event; v5 chains them in the background. Both
    # tell the one opening of its proposal and then its placement: two signals, in order.
    assert not any(IN_BACKGROUND in p for p in _patches("v4"))
    assert any(IN_BACKGROUND in p for p in _patches("v5"))
    assert _signals_to_openings("v5") == _signals_to_openings("v4")
    assert len(_signals_to_openings("v5")) == 2

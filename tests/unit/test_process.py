"""The process rules (`core.case.process.decide`) case by case, with concrete dates and messages.

Unless said otherwise a case uses the default policy (Norddjurs has no overrides): 10 working
days for the job-goal talk and the CV, 3 for the handover, 20 for matching, 5 to answer a
match; the ladder climbs 2 and then 3 working days after a deadline and reminds every 5.
2 November 2026 is a Monday.
"""

from datetime import date, datetime
from typing import Any

import pytest

from core.case.deadlines import next_wakeup
from core.case.events import Event
from core.case.process import decide
from core.case.state import CaseState, LogEvent, RecordRefusal, SendMessage
from core.intake import parse_event
from core.stages import Stage
from testkit.samples import (
    CASE,
    UTC,
    Case,
    escalations,
    event,
    keys,
    local,
    logged,
    messages,
    policy,
    refusals,
    sample_lines,
)

OPENED = "2026-11-02 09:00"
# These tests are the stages' process alone; the law's clocks: test_statutory_case.py.


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def opened(at: str = OPENED, **data: Any) -> Case:
    case = Case(law=False)
    decision = case.apply(event("case_opened", local(at), **data))
    assert decision.outcome == "accepted"
    return case


def in_cv_readiness(**data: Any) -> Case:
    case = opened(**data)
    case.apply(event("job_goal_talk_held", local("2026-11-03 10:00")))
    assert case.state.stage is Stage.CV_READINESS
    return case


def in_handover() -> Case:
    case = in_cv_readiness()
    case.apply(event("fit_for_work_declared", local("2026-11-04 09:00")))
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    assert case.state.stage is Stage.HANDOVER
    return case


def in_matching() -> Case:
    case = in_handover()
    case.apply(event("handover_accepted", local("2026-11-09 11:00"), consultant="vs-03"))
    assert case.state.stage is Stage.MATCHING
    return case


def in_placement() -> Case:
    case = in_matching()
    case.apply(event("match_proposed", local("2026-11-12 12:00")))
    case.apply(event("placement_started", local("2026-11-16 08:00"), started_on="2026-11-16"))
    assert case.state.stage is Stage.PLACEMENT
    return case


def only_message(effects: tuple[Any, ...]) -> SendMessage:
    [message] = messages(effects)
    return message


# --- the example case from shared/examples -----------------------------------------------


def example_events(case_id: str) -> list[Event]:
    out = []
    for line in sample_lines():
        if f'"{case_id}"' in line and '"ex-0008"' not in line and '"ex-0009"' not in line:
            out.append(parse_event(line))
    return out


def test_example_case_k_2026_000101_runs_to_placement() -> None:
    case = Case(policy(municipality="Lyngby-Taarbæk"), case_id="K-2026-000101", law=False)
    seen = []
    for ev in example_events("K-2026-000101"):
        decision = case.apply(ev)
        assert decision.outcome == "accepted"
        assert logged(decision.effects) == [ev.event_id]
        s = case.state
        seen.append((s.stage, s.owner, s.deadline, s.deadline_kind, s.deadline_no))
    assert seen == [
        # Lyngby-Taarbæk: 5 working days for the talk, a 6-week handover window.
        (Stage.JOB_GOAL_TALK, "sb-14", utc("2026-11-09 07:15"), "stage", 1),
        (Stage.CV_READINESS, "sb-14", utc("2026-11-19 09:00"), "stage", 2),
        # The window (6 weeks before 14 December) is open: the handover goes at once.
        (Stage.HANDOVER, "virksomhedsservice", utc("2026-11-17 13:30"), "stage", 3),
        (Stage.MATCHING, "vs-03", utc("2026-12-14 08:00"), "stage", 4),
        (Stage.MATCHING, "vs-03", utc("2026-12-02 10:00"), "match_response", 5),
        (Stage.PLACEMENT, "vs-03", utc("2026-12-22 23:00"), "follow_up", 6),
    ]
    assert [(m.message_key, m.recipients) for m in messages(case.effects)] == [
        ("K-2026-000101/handover_requested/3", ("virksomhedsservice", "sb-14")),
        # The employer took three weeks to answer the proposal: the ladder ran meanwhile.
        ("K-2026-000101/escalation/5/1", ("vs-03",)),
        ("K-2026-000101/escalation/5/2", ("teamleder-virksomhedsservice",)),
        ("K-2026-000101/escalation/5/3", ("afdelingsleder-virksomhedsservice",)),
    ]
    assert [e.seq for e in case.effects if isinstance(e, LogEvent)] == [1, 2, 3, 4, 5, 6]
    assert case.state.stalled is False
    assert case.state.job_goals[1].title == "Kontorassistent"
    assert case.state.restrictions == ("no_long_standing",)


def test_example_case_k_2026_000102_stalls_with_the_demo_policy() -> None:
    case = Case(policy("demo", "Norddjurs"), case_id="K-2026-000102")
    [ev] = example_events("K-2026-000102")
    case.apply(ev)
    assert ev.occurred_at == local("2026-11-03 09:00")
    assert case.state.deadline == utc("2026-11-03 08:00:10")
    case.tick(utc("2026-11-03 08:00:30"))
    assert [(m.level, m.recipients) for m in escalations(case.effects)] == [
        (1, ("sb-02",)),
        (2, ("teamleder-sygedagpenge",)),
        (3, ("afdelingsleder-sygedagpenge",)),
    ]
    assert case.state.stalled is True
    assert next_wakeup(case.state) == utc("2026-11-03 09:00:30")


def test_a_timely_case_runs_to_the_end_without_an_escalation() -> None:
    case = opened(expected_fit_for_work_on="2026-11-20")
    steps = [
        ("job_goal_talk_held", "2026-11-04 10:00", {}, Stage.CV_READINESS),
        ("cv_updated", "2026-11-06 10:00", {}, Stage.HANDOVER),
        ("handover_accepted", "2026-11-09 10:00", {"consultant": "vs-03"}, Stage.MATCHING),
        ("match_proposed", "2026-11-13 10:00", {}, Stage.MATCHING),
        ("placement_started", "2026-11-16 10:00", {"started_on": "2026-11-16"}, Stage.PLACEMENT),
        ("followup_held", "2026-11-23 10:00", {}, Stage.PLACEMENT),
        ("followup_held", "2026-12-14 10:00", {}, Stage.PLACEMENT),
        ("followup_held", "2027-02-08 10:00", {}, Stage.CLOSED),
    ]
    for kind, at, data, stage in steps:
        case.tick(local(at))  # time passes up to each event: nothing is due
        decision = case.apply(event(kind, local(at), **data))
        assert (decision.outcome, case.state.stage) == ("accepted", stage), kind
    assert escalations(case.effects) == []
    assert keys(case.effects) == [f"{CASE}/handover_requested/3"]
    assert case.state.outcome == "employed"
    assert len(logged(case.effects)) == 9


# --- deadlines and the escalation ladder -------------------------------------------------


@pytest.mark.parametrize(
    ("build", "stage", "owner", "deadline", "kind"),
    [
        (opened, Stage.JOB_GOAL_TALK, "sb-02", "2026-11-16 08:00", "stage"),
        (in_cv_readiness, Stage.CV_READINESS, "sb-02", "2026-11-17 09:00", "stage"),
        (in_handover, Stage.HANDOVER, "virksomhedsservice", "2026-11-10 09:00", "stage"),
        (in_matching, Stage.MATCHING, "vs-03", "2026-12-07 10:00", "stage"),
        # One week after the start of 16 November: due on the 23rd, passed when it is over.
        (in_placement, Stage.PLACEMENT, "vs-03", "2026-11-23 23:00", "follow_up"),
    ],
)
def test_each_stage_has_an_owner_and_its_policy_deadline(
    build: Any, stage: Stage, owner: str, deadline: str, kind: str
) -> None:
    case: Case = build()
    s = case.state
    assert (s.stage, s.owner, s.deadline, s.deadline_kind) == (stage, owner, utc(deadline), kind)
    assert next_wakeup(s) == utc(deadline)
    assert (s.escalation_level, s.stalled) == (0, False)


def test_an_answer_to_a_match_proposal_is_due_in_5_working_days() -> None:
    case = in_matching()
    case.apply(event("match_proposed", local("2026-11-12 12:00")))
    assert (case.state.deadline, case.state.deadline_kind) == (
        utc("2026-11-19 11:00"),
        "match_response",
    )
    case.apply(event("match_declined", local("2026-11-13 12:00")))
    # No proposal left open: the matching deadline starts again from the decline.
    assert (case.state.deadline, case.state.deadline_kind) == (utc("2026-12-11 11:00"), "stage")


def test_the_whole_ladder_for_a_missed_job_goal_talk() -> None:
    case = opened()
    assert case.tick(local("2026-11-16 08:59:59")).effects == ()

    steps = [
        ("2026-11-16 09:00", "1", 1, ("sb-02",), False),
        ("2026-11-18 09:00", "2", 2, ("teamleder-sygedagpenge",), False),
        ("2026-11-23 09:00", "3", 3, ("afdelingsleder-sygedagpenge",), True),
        ("2026-11-30 09:00", "3r1", 3, ("afdelingsleder-sygedagpenge",), True),
        ("2026-12-07 09:00", "3r2", 3, ("afdelingsleder-sygedagpenge",), True),
    ]
    for at, key, level, recipients, stalled in steps:
        assert next_wakeup(case.state) == local(at)
        message = only_message(case.tick(local(at)).effects)
        assert message.message_key == f"{CASE}/escalation/1/{key}"
        assert (message.level, message.recipients, message.stage) == (
            level,
            recipients,
            Stage.JOB_GOAL_TALK,
        )
        assert message.due_at == local(at)
        assert "Sendt for sent" not in message.text
        assert case.state.stalled is stalled
        # A second tick at the same moment owes nothing more.
        assert case.tick(local(at)).effects == ()
    text = escalations(case.effects)[0].text
    assert text == (
        f"Sag {CASE} (Norddjurs), fase Jobmålssamtale: den har ventet på den tidlige "
        "jobmålssamtale; frist 2026-11-16 09:00 CET, sagsbehandler sb-02. Niveau 1 "
        "(sagsbehandler): handl venligst."
    )
    assert escalations(case.effects)[2].text.endswith(
        "Niveau 3 (afdelingsleder): sagen er gået i stå."
    )


def test_a_long_outage_collapses_into_one_reminder() -> None:
    case = opened()
    case.tick(local("2026-12-07 09:00"))  # up to the second level-3 reminder
    assert keys(case.effects)[-1] == f"{CASE}/escalation/1/3r2"
    # Then the service is down until 20 January: reminders fell due on 14, 21 and 29
    # December (25 December is a holiday), 6, 13 and 20 January.
    message = only_message(case.tick(local("2027-01-20 12:00")).effects)
    assert message.message_key == f"{CASE}/escalation/1/3r8"
    assert message.due_at == local("2027-01-20 09:00")
    assert message.text.endswith("Sendt for sent: skulle være sendt 2027-01-20 09:00 CET.")
    assert next_wakeup(case.state) == local("2027-01-27 09:00")


def test_handover_escalations_go_to_both_departments() -> None:
    case = in_handover()
    case.tick(local("2026-11-17 12:00"))
    assert [(m.level, m.recipients) for m in escalations(case.effects)] == [
        (1, ("sb-02", "virksomhedsservice")),
        (2, ("teamleder-sygedagpenge", "teamleder-virksomhedsservice")),
        (3, ("afdelingsleder-sygedagpenge", "afdelingsleder-virksomhedsservice")),
    ]
    assert [m.due_at for m in escalations(case.effects)] == [
        local("2026-11-10 10:00"),
        local("2026-11-12 10:00"),
        local("2026-11-17 10:00"),
    ]
    assert case.state.stalled is True


def test_progress_clears_the_escalation_of_the_stage_it_leaves() -> None:
    case = opened()
    case.tick(local("2026-11-23 09:00"))
    assert (case.state.escalation_level, case.state.stalled) == (3, True)
    case.apply(event("job_goal_talk_held", local("2026-11-24 10:00")))
    s = case.state
    assert (s.stage, s.escalation_level, s.stalled, s.deadline_no) == (
        Stage.CV_READINESS,
        0,
        False,
        2,
    )
    assert s.deadline == local("2026-12-08 10:00")


def test_an_event_fires_what_fell_due_before_it_and_leaves_later_rungs_to_the_tick() -> None:
    case = opened()
    # Arrives on the 20th, but happened on the 17th: only level 1 (the 16th) was due then.
    decision = case.apply(
        event("owner_changed", local("2026-11-17 09:00"), owner="sb-09"),
        now=local("2026-11-20 09:00"),
    )
    assert keys(decision.effects) == [f"{CASE}/escalation/1/1"]
    assert only_message(decision.effects).recipients == ("sb-02",)  # the owner at the time
    tick = case.tick(local("2026-11-20 09:00"))
    assert keys(tick.effects) == [f"{CASE}/escalation/1/2"]
    late = "Sendt for sent: skulle være sendt 2026-11-18 09:00 CET."
    assert late in only_message(tick.effects).text


# --- the handover ------------------------------------------------------------------------


def test_handover_is_sent_at_once_when_the_fit_date_is_within_the_window() -> None:
    # Fit expected 14 December; the 4-week window opened on 16 November.
    case = in_cv_readiness(expected_fit_for_work_on="2026-12-14")
    decision = case.apply(event("cv_updated", local("2026-11-16 10:00")))
    s = case.state
    assert (s.stage, s.owner, s.stage_entered_at) == (
        Stage.HANDOVER,
        "virksomhedsservice",
        local("2026-11-16 10:00"),
    )
    assert s.deadline == local("2026-11-19 10:00")
    message = only_message(decision.effects)
    assert message.message_key == f"{CASE}/handover_requested/3"
    assert message.recipients == ("virksomhedsservice", "sb-02")
    assert message.text.endswith("Accepter venligst senest 2026-11-19 10:00 CET.")


def test_handover_waits_for_the_window_and_then_goes_by_itself() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2026-12-14")
    decision = case.apply(event("cv_updated", local("2026-11-05 10:00")))
    assert messages(decision.effects) == []
    s = case.state
    assert (s.stage, s.deadline, s.deadline_kind) == (
        Stage.CV_READINESS,
        local("2026-11-16 00:00"),
        "handover_window",
    )
    assert case.tick(local("2026-11-15 23:59")).effects == ()
    tick = case.tick(local("2026-11-16 08:00"))
    message = only_message(tick.effects)
    assert message.message_kind == "handover_requested"
    s = case.state
    assert (s.stage, s.owner, s.stage_entered_at, s.deadline, s.escalation_level) == (
        Stage.HANDOVER,
        "virksomhedsservice",
        local("2026-11-16 00:00"),
        local("2026-11-19 00:00"),
        0,
    )
    assert escalations(case.effects) == []


def test_handover_is_sent_when_the_citizen_is_declared_fit() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2027-03-01")
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    assert case.state.deadline_kind == "handover_window"
    decision = case.apply(event("fit_for_work_declared", local("2026-11-10 13:00")))
    assert case.state.stage is Stage.HANDOVER
    assert case.state.declared_fit_on == date(2026, 11, 10)
    assert only_message(decision.effects).message_key == f"{CASE}/handover_requested/4"


def test_a_nearer_fit_date_opens_the_window_and_a_later_one_moves_it() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2027-03-01")
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    assert case.state.deadline == local("2027-02-01 00:00")
    case.apply(event("fit_for_work_expected", local("2026-11-06 10:00"), expected_on="2027-04-05"))
    assert (case.state.stage, case.state.deadline) == (
        Stage.CV_READINESS,
        local("2027-03-08 00:00"),
    )
    case.apply(event("fit_for_work_expected", local("2026-11-09 10:00"), expected_on="2026-11-30"))
    assert case.state.stage is Stage.HANDOVER


def test_without_a_fit_date_a_ready_cv_waits_under_the_stage_deadline() -> None:
    case = in_cv_readiness()
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    s = case.state
    assert (s.stage, s.cv_complete, s.deadline, s.deadline_kind) == (
        Stage.CV_READINESS,
        True,
        local("2026-11-19 10:00"),
        "stage",
    )


def test_an_incomplete_cv_does_not_send_the_handover() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2026-11-20")
    case.apply(event("cv_updated", local("2026-11-05 10:00"), complete=False))
    assert (case.state.stage, case.state.cv_complete) == (Stage.CV_READINESS, False)


def test_a_rejected_handover_goes_back_with_its_reason() -> None:
    case = in_handover()
    rejection = event(
        "handover_rejected", local("2026-11-06 11:00"), reason="CV mangler lagererfaring"
    )
    decision = case.apply(rejection)
    s = case.state
    assert (s.stage, s.owner, s.cv_complete, s.handover_rejection) == (
        Stage.CV_READINESS,
        "sb-02",
        False,
        "CV mangler lagererfaring",
    )
    assert s.deadline == local("2026-11-20 11:00")
    message = only_message(decision.effects)
    assert message.message_key == f"{CASE}/handover_rejected/{rejection.event_id}"
    assert (message.message_kind, message.recipients) == ("handover_rejected", ("sb-02",))
    assert message.text.endswith("sendt overleveringen tilbage: CV mangler lagererfaring")
    # A new CV sends a new handover, under a new key.
    again = case.apply(event("cv_updated", local("2026-11-09 10:00")))
    assert case.state.stage is Stage.HANDOVER
    assert keys(again.effects) == [f"{CASE}/handover_requested/5"]
    case.apply(event("handover_accepted", local("2026-11-10 10:00"), consultant="vs-03"))
    assert case.state.handover_rejection is None


@pytest.mark.parametrize("kind", ["handover_accepted", "handover_rejected"])
def test_no_answer_without_a_handover(kind: str) -> None:
    case = in_cv_readiness()
    decision = case.apply(event(kind, local("2026-11-04 10:00")))
    assert (decision.outcome, decision.field) == ("refused", "type")
    assert decision.reason == "no handover is waiting for an answer (stage CV_READINESS)"


# --- pause, resume, owner, moved deadline ------------------------------------------------


def test_a_paused_case_escalates_at_the_end_of_its_review_day() -> None:
    case = opened()
    case.apply(event("case_paused", local("2026-11-04 09:00"), review_on="2026-12-01"))
    s = case.state
    assert (s.paused, s.review_on, s.deadline, s.deadline_kind) == (
        True,
        date(2026, 12, 1),
        local("2026-12-02 00:00"),
        "pause_review",
    )
    # The talk deadline (16 November) no longer applies.
    assert case.tick(local("2026-12-01 23:59")).effects == ()
    message = only_message(case.tick(local("2026-12-02 00:00")).effects)
    assert message.message_key == f"{CASE}/escalation/2/1"
    passed = "pausens revurderingsdato 2026-12-01 er passeret, uden at sagen er genoptaget"
    assert passed in message.text


def test_a_review_date_beyond_the_maximum_pause_is_refused() -> None:
    case = opened()
    state = case.state
    # Twelve weeks after 4 November 2026 is 27 January 2027.
    late = case.apply(event("case_paused", local("2026-11-04 09:00"), review_on="2027-01-28"))
    assert (late.outcome, late.field) == ("refused", "data.review_on")
    assert late.reason == "lies beyond the policy's maximum pause (12 weeks)"
    assert late.state is state
    ok = case.apply(event("case_paused", local("2026-11-04 09:00"), review_on="2027-01-27"))
    assert ok.outcome == "accepted"


def test_resume_restarts_the_stage_deadline() -> None:
    case = opened()
    case.apply(event("case_paused", local("2026-11-04 09:00"), review_on="2026-12-01"))
    case.apply(event("case_resumed", local("2026-11-10 10:00")))
    s = case.state
    assert (s.paused, s.review_on, s.deadline, s.deadline_kind, s.deadline_no) == (
        False,
        None,
        local("2026-11-24 10:00"),
        "stage",
        3,
    )


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [
        ("case_paused", {"review_on": "2026-12-10"}, "case is already paused"),
        (
            "deadline_moved",
            {"new_deadline": "2026-12-10"},
            "case is paused: resume it, or pause again with a new review date",
        ),
    ],
)
def test_what_a_paused_case_refuses(kind: str, data: dict[str, Any], reason: str) -> None:
    case = opened()
    case.apply(event("case_paused", local("2026-11-04 09:00"), review_on="2026-12-01"))
    decision = case.apply(event(kind, local("2026-11-05 09:00"), **data))
    assert (decision.outcome, decision.field, decision.reason) == ("refused", "type", reason)


def test_resume_without_a_pause_is_refused() -> None:
    decision = opened().apply(event("case_resumed", local("2026-11-05 09:00")))
    assert (decision.outcome, decision.field, decision.reason) == (
        "refused",
        "type",
        "case is not paused",
    )


def test_a_handover_sent_during_a_pause_ends_the_pause() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2027-03-01")
    case.apply(event("cv_updated", local("2026-11-04 10:00")))
    case.apply(event("case_paused", local("2026-11-05 09:00"), review_on="2026-12-01"))
    case.apply(event("fit_for_work_declared", local("2026-11-06 09:00")))
    s = case.state
    assert (s.stage, s.paused, s.deadline_kind, s.deadline) == (
        Stage.HANDOVER,
        False,
        "stage",
        local("2026-11-11 09:00"),
    )


def test_owner_change_names_the_new_owner_and_keeps_the_deadline() -> None:
    case = opened()
    before = case.state
    case.apply(event("owner_changed", local("2026-11-05 09:00"), owner="sb-09", team="sd-3"))
    s = case.state
    assert (s.owner, s.caseworker, s.team) == ("sb-09", "sb-09", "sd-3")
    assert (s.deadline, s.deadline_no) == (before.deadline, before.deadline_no)
    message = only_message(case.tick(local("2026-11-16 09:00")).effects)
    assert message.recipients == ("sb-09",)


@pytest.mark.parametrize(
    ("build", "field"),
    [(in_handover, "handover_owner"), (in_matching, "consultant"), (in_placement, "consultant")],
)
def test_owner_change_in_the_company_service(build: Any, field: str) -> None:
    case: Case = build()
    case.apply(event("owner_changed", local("2026-11-20 09:00"), owner="vs-11"))
    assert case.state.owner == getattr(case.state, field) == "vs-11"
    assert case.state.caseworker == "sb-02"


def test_a_moved_deadline_restarts_the_ladder() -> None:
    case = opened()
    case.tick(local("2026-11-18 09:00"))
    assert case.state.escalation_level == 2
    decision = case.apply(
        event("deadline_moved", local("2026-11-19 09:00"), new_deadline="2026-11-27")
    )
    assert decision.outcome == "accepted"
    s = case.state
    assert (s.deadline, s.deadline_kind, s.deadline_no, s.escalation_level) == (
        local("2026-11-28 00:00"),
        "moved",
        2,
        0,
    )
    assert case.tick(local("2026-11-27 23:59")).effects == ()
    message = only_message(case.tick(local("2026-11-28 00:00")).effects)
    assert (message.message_key, message.level) == (f"{CASE}/escalation/2/1", 1)
    assert "fristen, som sagsbehandleren satte, er overskredet" in message.text


def test_a_moved_deadline_does_not_cancel_the_handover_window() -> None:
    case = in_cv_readiness(expected_fit_for_work_on="2027-03-01")
    case.apply(event("cv_updated", local("2026-11-05 10:00")))
    case.apply(event("deadline_moved", local("2026-11-06 10:00"), new_deadline="2026-12-01"))
    case.tick(local("2026-12-02 12:00"))
    assert (case.state.stage, case.state.escalation_level) == (Stage.CV_READINESS, 1)
    case.tick(local("2027-02-01 12:00"))
    assert case.state.stage is Stage.HANDOVER
    assert case.state.escalation_level == 0


# --- duplicates, held and out-of-order events --------------------------------------------


def test_a_duplicate_changes_nothing() -> None:
    case = in_cv_readiness()
    talk = event("job_goal_talk_held", local("2026-11-03 10:00"))
    state = case.state
    decision = case.apply(talk, now=local("2026-11-25 10:00"))
    assert (decision.outcome, decision.state, decision.effects) == ("duplicate", state, ())
    assert decision.state is state


def test_events_before_case_opened_are_held_then_applied_in_business_time_order() -> None:
    case = Case(law=False)
    cv = event("cv_updated", local("2026-11-05 10:00"))
    talk = event("job_goal_talk_held", local("2026-11-03 10:00"))
    for ev in (cv, talk):
        decision = case.apply(ev, now=local("2026-11-05 11:00"))
        assert (decision.outcome, decision.effects) == ("held", ())
    assert [e.event_id for e in case.state.held] == [cv.event_id, talk.event_id]
    assert (case.state.opened, case.state.deadline) == (False, None)
    assert case.apply(cv).outcome == "duplicate"

    opening = event("case_opened", local(OPENED), expected_fit_for_work_on="2026-11-30")
    decision = case.apply(opening, now=local("2026-11-05 11:00"))
    assert decision.outcome == "accepted"
    assert logged(decision.effects) == [opening.event_id, talk.event_id, cv.event_id]
    assert [e.seq for e in decision.effects if isinstance(e, LogEvent)] == [1, 2, 3]
    s = case.state
    assert (s.held, s.stage, s.stage_entered_at) == ((), Stage.HANDOVER, local("2026-11-05 10:00"))
    assert keys(decision.effects) == [f"{CASE}/handover_requested/3"]


def test_a_held_event_that_does_not_fit_is_refused_when_the_case_opens() -> None:
    case = Case(law=False)
    early = event("handover_accepted", local("2026-11-03 10:00"))
    assert case.apply(early).outcome == "held"
    decision = case.apply(event("case_opened", local(OPENED)))
    [refusal] = refusals(decision.effects)
    assert (refusal.event_id, refusal.field) == (early.event_id, "type")
    assert case.state.stage is Stage.JOB_GOAL_TALK
    assert case.state.held == ()


def test_a_cv_before_the_talk_ends_in_the_right_stage() -> None:
    case = opened(expected_fit_for_work_on="2026-11-30")
    case.apply(event("cv_updated", local("2026-11-04 10:00")))
    assert (case.state.stage, case.state.cv_complete) == (Stage.JOB_GOAL_TALK, True)
    # The talk happened first but arrives last.
    case.apply(event("job_goal_talk_held", local("2026-11-03 10:00")))
    assert case.state.stage is Stage.HANDOVER


def test_a_cv_before_the_talk_without_a_fit_date_waits_in_cv_readiness() -> None:
    case = opened()
    case.apply(event("cv_updated", local("2026-11-04 10:00")))
    case.apply(event("job_goal_talk_held", local("2026-11-05 10:00")))
    s = case.state
    assert (s.stage, s.cv_complete, s.deadline) == (
        Stage.CV_READINESS,
        True,
        local("2026-11-19 10:00"),
    )


# --- closing -----------------------------------------------------------------------------


def test_a_closed_case_refuses_every_later_event() -> None:
    case = in_matching()
    case.apply(event("case_closed", local("2026-11-12 10:00"), outcome="education"))
    s = case.state
    assert (s.stage, s.outcome, s.closed_at, s.deadline, s.owner) == (
        Stage.CLOSED,
        "education",
        local("2026-11-12 10:00"),
        None,
        None,
    )
    assert next_wakeup(s) is None
    late = event("match_proposed", local("2026-11-13 10:00"))
    decision = case.apply(late, now=local("2026-11-14 10:00"))
    assert (decision.outcome, decision.field, decision.reason) == (
        "refused",
        "case_id",
        "case closed",
    )
    assert decision.state is s
    assert decision.effects == (
        RecordRefusal(
            case_id=CASE,
            event_id=late.event_id,
            field="case_id",
            reason="case closed",
            refused_at=local("2026-11-14 10:00"),
        ),
    )
    assert case.tick(local("2027-06-01 00:00")).effects == ()
    # A second case_opened cannot reopen it either.
    assert case.apply(event("case_opened", local("2026-11-20 09:00"))).reason == "case closed"


def test_the_last_follow_up_closes_the_case_as_employed() -> None:
    case = in_placement()
    expected = [
        ("2026-11-23 10:00", local("2026-12-15 00:00")),  # 4 weeks after 16 November
        ("2026-12-14 10:00", local("2027-02-09 00:00")),  # 12 weeks after 16 November
    ]
    for at, deadline in expected:
        case.apply(event("followup_held", local(at)))
        assert (case.state.stage, case.state.deadline) == (Stage.PLACEMENT, deadline)
    case.apply(event("followup_held", local("2027-02-08 10:00")))
    s = case.state
    assert (s.stage, s.outcome, s.followups_held, s.closed_at) == (
        Stage.CLOSED,
        "employed",
        3,
        local("2027-02-08 10:00"),
    )


def test_a_missed_follow_up_escalates_to_the_consultant() -> None:
    case = in_placement()
    message = only_message(case.tick(local("2026-11-24 00:00")).effects)
    assert message.recipients == ("vs-03",)
    assert "opfølgning 1 i efterværnet skulle have været holdt" in message.text


# --- business time: a late backlog ------------------------------------------------------


def test_a_late_backlog_escalates_at_once_and_says_so() -> None:
    case = Case(law=False)
    now = local("2026-12-01 12:00")
    first = case.apply(event("case_opened", local(OPENED)), now=now)
    assert escalations(first.effects) == []  # nothing was due before the case opened
    tick = case.tick(now)
    assert keys(tick.effects) == [
        f"{CASE}/escalation/1/1",
        f"{CASE}/escalation/1/2",
        f"{CASE}/escalation/1/3",
        f"{CASE}/escalation/1/3r1",
    ]
    texts = [m.text for m in messages(tick.effects)]
    assert texts[0].endswith("Sendt for sent: skulle være sendt 2026-11-16 09:00 CET.")
    assert all("Sendt for sent" in t for t in texts)
    assert case.state.stalled is True


def test_a_backlogged_event_escalates_what_passed_before_it_happened() -> None:
    case = Case(law=False)
    now = local("2026-12-01 12:00")
    case.apply(event("case_opened", local(OPENED)), now=now)
    decision = case.apply(event("job_goal_talk_held", local("2026-11-19 10:00")), now=now)
    assert keys(decision.effects) == [f"{CASE}/escalation/1/1", f"{CASE}/escalation/1/2"]
    assert all("Sendt for sent" in m.text for m in messages(decision.effects))
    s = case.state
    # The new stage's deadline runs from when the talk was held, not from its arrival.
    assert (s.stage, s.deadline, s.escalation_level) == (
        Stage.CV_READINESS,
        local("2026-12-03 10:00"),
        0,
    )


# --- progression and the wage talk -------------------------------------------------------


def test_a_score_of_7_or_more_starts_one_wage_talk() -> None:
    case = in_placement()
    low = case.apply(event("progression_scored", local("2026-11-18 10:00"), score=6))
    assert (low.outcome, messages(low.effects)) == ("accepted", [])
    scored = event("progression_scored", local("2026-11-19 10:00"), score=7, work_function="lager")
    decision = case.apply(scored)
    message = only_message(decision.effects)
    assert (message.message_key, message.message_kind, message.recipients) == (
        f"{CASE}/wage_talk/{scored.event_id}",
        "wage_talk",
        ("vs-03",),
    )
    assert "fik 7/10 på 'lager'" in message.text
    assert case.apply(scored).effects == ()
    assert case.state.last_scores == {"telefonbetjening": 6, "lager": 7}
    assert [m.message_kind for m in messages(case.effects)].count("wage_talk") == 1


def test_a_drop_of_3_or_more_warns_the_consultant_early() -> None:
    case = in_placement()
    case.apply(event("progression_scored", local("2026-11-18 10:00"), score=6))
    small = case.apply(event("progression_scored", local("2026-11-19 10:00"), score=4))
    assert messages(small.effects) == []  # -2 on the same work function
    other = case.apply(
        event("progression_scored", local("2026-11-20 10:00"), score=1, work_function="lager")
    )
    assert messages(other.effects) == []  # a first score has nothing to fall from
    fell = event("progression_scored", local("2026-11-23 10:00"), score=1)
    message = only_message(case.apply(fell).effects)
    assert (message.message_key, message.message_kind, message.recipients) == (
        f"{CASE}/early_warning/{fell.event_id}",
        "early_warning",
        ("vs-03",),
    )
    assert "faldt fra 4 til 1/10" in message.text


def test_a_score_before_matching_is_refused() -> None:
    decision = in_cv_readiness().apply(event("progression_scored", local("2026-11-04 10:00")))
    assert (decision.outcome, decision.field) == ("refused", "type")


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "field", "reason"),
    [
        ("handover_accepted", {}, "type", "no handover is waiting for an answer"),
        ("match_proposed", {}, "type", "matching has not started (stage JOB_GOAL_TALK)"),
        ("placement_started", {}, "type", "matching has not started (stage JOB_GOAL_TALK)"),
        ("followup_held", {}, "type", "no after-care under way (stage JOB_GOAL_TALK)"),
        ("case_opened", {}, "type", "case already opened"),
    ],
)
def test_a_refusal_changes_nothing_and_records_only_the_refusal(
    kind: str, data: dict[str, Any], field: str, reason: str
) -> None:
    case = opened()
    case.tick(local("2026-11-10 09:00"))
    state = case.state
    # Happened after the talk deadline: even so, a refused event fires nothing.
    ev = event(kind, local("2026-11-17 09:00"), **data)
    decision = case.apply(ev, now=local("2026-11-17 09:00"))
    assert decision.state is state
    assert (decision.outcome, decision.field) == ("refused", field)
    assert decision.reason is not None and decision.reason.startswith(reason)
    [refusal] = decision.effects
    assert isinstance(refusal, RecordRefusal)
    assert (refusal.event_id, refusal.field, refusal.reason) == (
        ev.event_id,
        field,
        decision.reason,
    )
    # The escalation the refused event did not fire is still owed, and comes with the tick.
    assert keys(case.tick(local("2026-11-17 09:00")).effects) == [f"{CASE}/escalation/1/1"]


def test_declining_a_match_never_proposed_is_refused() -> None:
    case = in_matching()
    decision = case.apply(event("match_declined", local("2026-11-12 10:00"), opening_id="O-9"))
    assert (decision.outcome, decision.field, decision.reason) == (
        "refused",
        "data.opening_id",
        "no open proposal for this opening",
    )


def test_opening_without_a_policy_is_refused() -> None:
    state = CaseState(case_id=CASE)
    decision = decide(state, event("case_opened", local(OPENED)), local(OPENED))
    assert (decision.outcome, decision.field) == ("refused", "data.municipality")
    assert decision.state is state


def test_a_refused_event_is_not_remembered_as_seen() -> None:
    case = opened()
    early = event("handover_accepted", local("2026-11-04 10:00"))
    assert case.apply(early).outcome == "refused"
    assert early.event_id not in case.state.seen
    assert case.apply(early).outcome == "refused"  # refused again, never a "duplicate"


def test_decide_is_deterministic() -> None:
    case = in_cv_readiness()
    ev = event("cv_updated", local("2026-11-30 10:00"))
    now = local("2026-12-02 10:00")
    first = decide(case.state, ev, now)
    second = decide(case.state, ev, now)
    assert first == second
    assert repr(first) == repr(second)

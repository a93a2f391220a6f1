"""Intake: every kind of refusal names the exact field; valid events parse and round-trip."""

import json
from datetime import date
from typing import Any

import pytest

from core.case.events import DATA_MODELS, CaseResumed, Event, MatchProposed
from core.intake import parse_event
from core.kernel.refusal import Refusal, Refused
from testkit.samples import raw, sample, sample_lines, valid_data

OCCURRED = "2026-11-23T09:30:00+01:00"
ALL_TYPES = sorted(DATA_MODELS)


def refused(value: str | bytes | dict[str, Any]) -> list[Refusal]:
    with pytest.raises(Refused) as caught:
        parse_event(value)
    assert caught.value.refusals, "a refused event names at least one field"
    return caught.value.refusals


def fields(value: str | bytes | dict[str, Any]) -> list[str]:
    return [r.field for r in refused(value)]


def without(obj: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in names}


# --- the line itself ---------------------------------------------------------------------


@pytest.mark.parametrize("line", ['{"event_id": "e1", ', "not json", "", b"\xff\xfe{}"])
def test_not_json_is_refused_for_the_whole_line(line: str | bytes) -> None:
    [refusal] = refused(line)
    assert refusal.field == "<line>"
    assert refusal.reason.startswith("not valid JSON")


@pytest.mark.parametrize(
    "line",
    ['{"n": ' + "9" * 5000 + "}", "[" * 100_000 + "]" * 100_000, b'{"a": ' + b"1" * 4301 + b"}"],
    ids=["5000-digit number", "100000 levels", "4301-digit number, bytes"],
)
def test_json_too_big_to_read_is_refused_not_raised(line: str | bytes) -> None:
    # The JSON parser raises ValueError or RecursionError on these, not a decode error.
    [refusal] = refused(line)
    assert refusal.field == "<line>"
    assert refusal.reason.startswith("not valid JSON")


def test_nesting_far_deeper_than_the_contract_is_refused() -> None:
    deep: Any = "x"
    for _ in range(900):  # deep enough to exhaust the recursion of later checks
        deep = {"a": deep}
    obj = {**raw("cv_updated", OCCURRED), "extra": deep}
    assert refused(obj) == [Refusal(field="<line>", reason="nested deeper than 32 levels")]
    shallow = {**raw("cv_updated", OCCURRED), "extra": {"a": {"b": 1}}}
    assert "nested deeper" not in str(refused(shallow))


@pytest.mark.parametrize("line", ["[1, 2]", '"case_opened"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_refused(line: str) -> None:
    assert refused(line) == [Refusal(field="<line>", reason="must be a JSON object")]


def test_str_bytes_and_dict_parse_alike() -> None:
    obj = raw("cv_updated", OCCURRED)
    text = json.dumps(obj)
    assert parse_event(text) == parse_event(text.encode()) == parse_event(obj)


# --- the envelope ------------------------------------------------------------------------


def test_missing_type_is_refused() -> None:
    assert refused(without(raw("cv_updated"), "type")) == [
        Refusal(field="type", reason="is required")
    ]


@pytest.mark.parametrize("kind", ["case_reopened", "CV_UPDATED", "", 7, None, ["cv_updated"]])
def test_unknown_or_non_string_type_is_refused(kind: Any) -> None:
    obj = {**raw("cv_updated"), "type": kind}
    if kind is None:
        assert fields(obj) == ["type"]
        return
    [refusal] = refused(obj)
    assert refusal.field == "type"
    assert refusal.reason.startswith("unknown event type; one of case_opened, ")


@pytest.mark.parametrize("name", ["event_id", "case_id", "occurred_at"])
def test_missing_envelope_field_is_named(name: str) -> None:
    assert refused(without(raw("cv_updated"), name)) == [Refusal(field=name, reason="is required")]


def test_missing_data_is_refused_but_case_resumed_needs_none() -> None:
    assert refused(without(raw("cv_updated"), "data")) == [
        Refusal(field="data", reason="is required")
    ]
    resumed = parse_event(without(raw("case_resumed"), "data"))
    assert resumed.type == "case_resumed"
    assert resumed.data == CaseResumed()


def test_several_missing_envelope_fields_are_all_named() -> None:
    obj = without(raw("cv_updated"), "event_id", "case_id", "data")
    assert sorted(fields(obj)) == ["case_id", "data", "event_id"]


@pytest.mark.parametrize("moment", ["2026-11-23T09:30:00", "2026-11-23 09:30"])
def test_occurred_at_without_offset_is_refused(moment: str) -> None:
    assert refused({**raw("cv_updated"), "occurred_at": moment}) == [
        Refusal(
            field="occurred_at",
            reason="must carry a UTC offset, e.g. 2026-11-23T09:30:00+01:00",
        )
    ]


def test_occurred_at_without_a_time_is_refused() -> None:
    [refusal] = refused({**raw("cv_updated"), "occurred_at": "2026-11-23"})
    assert refusal.field == "occurred_at"
    assert "datetime" in refusal.reason


@pytest.mark.parametrize("moment", [1795422600, 1795422600.5, True, ["2026-11-23T09:30:00+01:00"]])
def test_occurred_at_of_the_wrong_json_type_is_refused(moment: Any) -> None:
    # A bare number would otherwise be read as a Unix timestamp: not the contract.
    assert fields({**raw("cv_updated"), "occurred_at": moment}) == ["occurred_at"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("event_id", 123), ("case_id", 4711), ("event_id", ""), ("case_id", "K 2026/1")],
)
def test_bad_ids_are_refused(name: str, value: Any) -> None:
    assert fields({**raw("cv_updated"), name: value}) == [name]


def test_extra_envelope_field_is_refused() -> None:
    assert refused({**raw("cv_updated"), "source": "sag"}) == [
        Refusal(field="source", reason="is not part of the contract")
    ]


@pytest.mark.parametrize("moment", ["2026-02-30T09:00:00+01:00", "2026-13-01T09:00:00+01:00"])
def test_impossible_occurred_at_is_refused(moment: str) -> None:
    assert fields({**raw("cv_updated"), "occurred_at": moment}) == ["occurred_at"]


# --- data --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("cv_updated", "complete", "true"),
        ("cv_updated", "complete", 1),
        ("progression_scored", "score", "7"),
        ("progression_scored", "score", 7.0),
        ("progression_scored", "score", 7.5),
        ("placement_started", "hours_per_week", "25"),
        ("match_proposed", "leads_to_paid_job", "yes"),
        ("job_goal_talk_held", "job_goals", "Kontorassistent"),
        ("case_opened", "restrictions", "no_lifting"),
        ("case_opened", "owner", 14),
        ("cv_updated", "updated_on", 20261123),
    ],
)
def test_wrong_json_type_in_data_names_the_field(kind: str, name: str, value: Any) -> None:
    assert fields(raw(kind, OCCURRED, **{name: value})) == [f"data.{name}"]


def test_data_that_is_not_an_object_is_refused() -> None:
    assert set(fields({**raw("cv_updated"), "data": [1]})) == {"data"}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("job_goal_talk_held", "held_on"),
        ("cv_updated", "updated_on"),
        ("case_opened", "sick_listed_on"),
        ("case_paused", "review_on"),
        ("deadline_moved", "new_deadline"),
        ("placement_started", "started_on"),
    ],
)
@pytest.mark.parametrize("day", ["2026-02-30", "2026-04-31", "2026-13-01", "2026-11-1", "soon"])
def test_impossible_date_names_the_field(kind: str, name: str, day: str) -> None:
    assert fields(raw(kind, OCCURRED, **{name: day})) == [f"data.{name}"]


def test_leap_day_is_a_real_date_in_a_leap_year_only() -> None:
    ok = parse_event(raw("cv_updated", "2028-03-01T09:00:00+01:00", updated_on="2028-02-29"))
    assert ok.data.model_dump() == {"complete": True, "updated_on": date(2028, 2, 29)}
    assert fields(raw("cv_updated", OCCURRED, updated_on="2027-02-29")) == ["data.updated_on"]


def test_extra_field_in_data_is_refused() -> None:
    assert refused(raw("cv_updated", OCCURRED, colour="blue")) == [
        Refusal(field="data.colour", reason="is not part of the contract")
    ]


def test_extra_field_in_a_job_goal_is_named_with_its_position() -> None:
    goals = [{"title": "Kontorassistent"}, {"title": "Lagerarbejder", "level": 2}]
    assert fields(raw("job_goal_talk_held", OCCURRED, job_goals=goals)) == [
        "data.job_goals[1].level"
    ]


def test_case_resumed_with_data_is_refused() -> None:
    assert fields(raw("case_resumed", OCCURRED, why="back")) == ["data.why"]


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("cv_updated", "complete"),
        ("cv_updated", "updated_on"),
        ("case_opened", "owner"),
        ("case_opened", "municipality"),
        ("handover_accepted", "consultant"),
        ("handover_rejected", "reason"),
        ("match_proposed", "kind"),
        ("placement_started", "hours_per_week"),
        ("deadline_moved", "reason"),
        ("case_paused", "review_on"),
        ("case_closed", "outcome"),
    ],
)
def test_missing_data_field_is_named(kind: str, name: str) -> None:
    obj = raw(kind, OCCURRED)
    obj["data"] = without(obj["data"], name)
    assert refused(obj) == [Refusal(field=f"data.{name}", reason="is required")]


def test_every_missing_data_field_is_named_at_once() -> None:
    obj = {**raw("case_opened", OCCURRED), "data": {"municipality": "Norddjurs"}}
    assert sorted(fields(obj)) == [
        "data.employment_ended_on",
        "data.owner",
        "data.sick_listed_on",
        "data.team",
    ]


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        ("job_goal_talk_held", "job_goals", []),
        ("handover_rejected", "reason", "   "),
        ("match_proposed", "kind", "apprenticeship"),
        ("case_closed", "outcome", "retired"),
        ("placement_started", "hours_per_week", 0),
        ("placement_started", "hours_per_week", 61),
        ("owner_changed", "owner", "sb 07"),
    ],
)
def test_values_outside_the_contract_are_refused(kind: str, name: str, value: Any) -> None:
    assert fields(raw(kind, OCCURRED, **{name: value})) == [f"data.{name}"]


@pytest.mark.parametrize("score", [0, 11, -3, 100])
def test_score_out_of_1_to_10_is_refused(score: int) -> None:
    assert fields(raw("progression_scored", OCCURRED, score=score)) == ["data.score"]


@pytest.mark.parametrize("score", [1, 7, 10])
def test_score_in_1_to_10_is_accepted(score: int) -> None:
    data = parse_event(raw("progression_scored", OCCURRED, score=score)).data
    assert data.model_dump()["score"] == score


# --- the shared examples -----------------------------------------------------------------


def test_ex_0008_is_refused_for_the_missing_complete_flag() -> None:
    assert refused(sample("ex-0008")) == [Refusal(field="data.complete", reason="is required")]


def test_ex_0009_is_refused_for_the_cpr_number_in_its_reason() -> None:
    [refusal] = refused(sample("ex-0009"))
    assert refusal.field == "data.reason"
    assert "CPR" in refusal.reason
    assert "120375" not in str(refusal)


def test_every_other_sample_line_parses() -> None:
    parsed = []
    for line in sample_lines():
        event_id = json.loads(line)["event_id"]
        if event_id not in ("ex-0008", "ex-0009"):
            parsed.append(parse_event(line))
    assert [e.event_id for e in parsed] == [f"ex-000{n}" for n in range(1, 8)]
    assert [e.type for e in parsed[:6]] == [
        "case_opened",
        "job_goal_talk_held",
        "cv_updated",
        "handover_accepted",
        "match_proposed",
        "placement_started",
    ]
    assert {e.case_id for e in parsed} == {"K-2026-000101", "K-2026-000102"}


# --- CPR-like numbers --------------------------------------------------------------------

CPR_DASH, CPR_PLAIN = "120375-1234", "1203751234"


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("handover_rejected", {"reason": f"borger {CPR_DASH} mangler CV"}, "data.reason"),
        ("handover_rejected", {"reason": f"borger {CPR_PLAIN}"}, "data.reason"),
        ("handover_rejected", {"reason": "cpr 120375 1234"}, "data.reason"),
        ("handover_rejected", {"reason": "cpr:010170-1234."}, "data.reason"),
        (
            "job_goal_talk_held",
            {"job_goals": [{"title": "Kontor"}, {"title": f"x {CPR_PLAIN}"}]},
            "data.job_goals[1].title",
        ),
        ("case_opened", {"restrictions": ["no_lifting", CPR_DASH]}, "data.restrictions[1]"),
        ("placement_started", {"hours_per_week": 1203751234}, "data.hours_per_week"),
        # A CPR sent as a bare number loses its leading zero.
        ("progression_scored", {"score": 101701234}, "data.score"),
    ],
)
def test_cpr_like_number_anywhere_in_data_is_refused(
    kind: str, data: dict[str, Any], field: str
) -> None:
    [refusal] = refused(raw(kind, OCCURRED, **data))
    assert refusal == Refusal(
        field=field, reason="holds a CPR-like number; send no personal identity numbers"
    )


@pytest.mark.parametrize("name", ["event_id", "case_id"])
def test_cpr_like_number_in_the_envelope_is_refused(name: str) -> None:
    assert fields({**raw("cv_updated"), name: f"K-{CPR_DASH}"}) == [name]


def test_cpr_in_a_key_is_refused_without_echoing_it_in_the_field() -> None:
    obj = raw("cv_updated", OCCURRED)
    obj["data"][CPR_DASH] = {"note": f"igen {CPR_PLAIN}"}
    found = refused(obj)
    assert len(found) == 2
    for refusal in found:
        assert refusal.field.startswith("data.")
        assert "120375" not in refusal.field
        assert "120375" not in refusal.reason


def test_cpr_check_comes_before_every_other_check() -> None:
    obj = {"type": "no_such_type", "note": CPR_DASH}
    assert fields(obj) == ["note"]


@pytest.mark.parametrize(
    "reason",
    [
        "999999-1234",  # day 99 cannot be
        "310275-1234",  # 31 February cannot be
        "290201-1234",  # 29 February 2001 cannot be
        "12037512345",  # eleven digits
        "tlf. 45 12 34 56 78",
        "sag K-2026-004711, opslag O-2026-0042",
        "kl. 09:30 den 2026-11-23",
    ],
)
def test_cpr_look_alikes_are_accepted(reason: str) -> None:
    ev = parse_event(raw("handover_rejected", OCCURRED, case_id="K-2026-004711", reason=reason))
    assert ev.case_id == "K-2026-004711"
    assert ev.data.model_dump() == {"reason": reason}


def test_leap_day_cpr_is_caught() -> None:
    assert fields(raw("handover_rejected", OCCURRED, reason="290200-1234")) == ["data.reason"]


def test_small_integers_are_not_cpr_numbers() -> None:
    ev = parse_event(raw("placement_started", OCCURRED, hours_per_week=25))
    assert ev.data.model_dump()["hours_per_week"] == 25


# --- rules beyond the schema -------------------------------------------------------------


@pytest.mark.parametrize("paid", [None, False])
def test_internship_without_paid_work_at_the_end_is_refused(paid: bool | None) -> None:
    obj = raw("match_proposed", OCCURRED, kind="internship")
    if paid is not None:
        obj["data"]["leads_to_paid_job"] = paid
    [refusal] = refused(obj)
    assert refusal.field == "data.leads_to_paid_job"
    assert "internship" in refusal.reason


def test_internship_leading_to_paid_work_is_accepted() -> None:
    ev = parse_event(raw("match_proposed", OCCURRED, kind="internship", leads_to_paid_job=True))
    assert isinstance(ev.data, MatchProposed)
    assert (ev.data.kind, ev.data.leads_to_paid_job) == ("internship", True)


def test_other_match_kinds_need_no_paid_job_flag() -> None:
    ev = parse_event(raw("match_proposed", OCCURRED, kind="recruitment"))
    assert isinstance(ev.data, MatchProposed)
    assert ev.data.leads_to_paid_job is None


PAST_FACTS = [
    ("case_opened", "sick_listed_on"),
    ("case_opened", "employment_ended_on"),
    ("job_goal_talk_held", "held_on"),
    ("cv_updated", "updated_on"),
    ("fit_for_work_declared", "declared_on"),
    ("progression_scored", "scored_on"),
    ("followup_held", "held_on"),
    ("case_closed", "closed_on"),
]


@pytest.mark.parametrize(("kind", "name"), PAST_FACTS)
def test_past_fact_dated_after_the_event_is_refused(kind: str, name: str) -> None:
    assert refused(raw(kind, OCCURRED, **{name: "2026-11-24"})) == [
        Refusal(field=f"data.{name}", reason="lies after occurred_at")
    ]


@pytest.mark.parametrize(("kind", "name"), PAST_FACTS)
def test_past_fact_on_the_day_of_the_event_is_accepted(kind: str, name: str) -> None:
    # Just after midnight local time: the day is the event's own, not UTC's (22 November).
    ev = parse_event(raw(kind, "2026-11-23T00:10:00+01:00", **{name: "2026-11-23"}))
    assert getattr(ev.data, name) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("kind", "name"), [("case_paused", "review_on"), ("deadline_moved", "new_deadline")]
)
@pytest.mark.parametrize("day", ["2026-11-23", "2026-11-01"])
def test_future_date_not_after_the_event_is_refused(kind: str, name: str, day: str) -> None:
    assert refused(raw(kind, OCCURRED, **{name: day})) == [
        Refusal(field=f"data.{name}", reason="must lie after occurred_at")
    ]


@pytest.mark.parametrize(
    ("kind", "name"), [("case_paused", "review_on"), ("deadline_moved", "new_deadline")]
)
def test_future_date_the_next_day_is_accepted(kind: str, name: str) -> None:
    ev = parse_event(raw(kind, OCCURRED, **{name: "2026-11-24"}))
    assert getattr(ev.data, name) == date(2026, 11, 24)


@pytest.mark.parametrize(
    ("kind", "name", "day"),
    [
        ("deadline_moved", "new_deadline", "9999-12-31"),
        ("case_paused", "review_on", "9999-12-31"),
        ("fit_for_work_expected", "expected_on", "0001-01-01"),
        ("case_opened", "expected_fit_for_work_on", "9999-12-30"),
        ("placement_started", "started_on", "9999-12-31"),
        ("case_closed", "closed_on", "1899-12-31"),
    ],
)
def test_dates_no_case_can_hold_are_refused(kind: str, name: str, day: str) -> None:
    # Such dates mean "never" and would overflow the deadline arithmetic downstream.
    [refusal] = refused(raw(kind, OCCURRED, **{name: day}))
    assert refusal.field == f"data.{name}"
    assert "years" in refusal.reason


@pytest.mark.parametrize("moment", ["9999-12-31T09:00:00+01:00", "0001-01-01T09:00:00+01:00"])
def test_occurred_at_no_case_can_hold_is_refused(moment: str) -> None:
    obj = {**raw("case_resumed"), "occurred_at": moment}
    assert fields(obj) == ["occurred_at"]


def test_every_problem_in_an_event_is_reported() -> None:
    obj = raw("progression_scored", OCCURRED, score=12, scored_on="2026-02-30", extra=1)
    assert sorted(fields(obj)) == ["data.extra", "data.score", "data.scored_on"]


# --- reasons never echo what was refused -------------------------------------------------

SECRET = "Zq7SecretValue"


@pytest.mark.parametrize(
    "obj",
    [
        {**raw("cv_updated"), "type": SECRET},
        {**raw("cv_updated"), "occurred_at": SECRET},
        {**raw("cv_updated"), "event_id": f"{SECRET} !"},
        raw("cv_updated", OCCURRED, complete=SECRET),
        raw("cv_updated", OCCURRED, updated_on=SECRET),
        raw("match_proposed", OCCURRED, kind=SECRET),
        raw("case_closed", OCCURRED, outcome=SECRET),
        raw("owner_changed", OCCURRED, owner=f"{SECRET} !"),
        raw("progression_scored", OCCURRED, score=SECRET),
        raw("handover_rejected", OCCURRED, reason=f"{SECRET} 120375-1234"),
        raw("job_goal_talk_held", OCCURRED, job_goals=[{"title": "x", "disco_code": SECRET}]),
    ],
)
def test_reasons_never_echo_the_refused_value(obj: dict[str, Any]) -> None:
    for refusal in refused(obj):
        assert SECRET not in refusal.reason
        assert SECRET not in refusal.field


def test_a_refusal_message_never_echoes_a_cpr_number() -> None:
    with pytest.raises(Refused) as caught:
        parse_event(raw("case_paused", OCCURRED, reason="borger 120375-1234"))
    assert "120375" not in str(caught.value)


# --- the round trip Temporal's pydantic converter makes ----------------------------------


def variants(kind: str) -> list[dict[str, Any]]:
    """Each type with its optional fields left out and, where it has them, filled in."""
    base = raw(kind, OCCURRED, event_id=f"rt-{kind}")
    extra: dict[str, dict[str, Any]] = {
        "case_opened": {"expected_fit_for_work_on": "2027-01-11", "restrictions": ["no_lifting"]},
        "match_proposed": {"kind": "internship", "leads_to_paid_job": True},
        "owner_changed": {"team": "sygedagpenge-3"},
        "job_goal_talk_held": {
            "job_goals": [{"title": "Lager"}, {"title": "Kontor", "disco_code": "4110"}]
        },
        "placement_started": {"hours_per_week": 12.5},
    }
    if kind not in extra:
        return [base]
    return [base, {**base, "data": {**base["data"], **extra[kind]}}]


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_every_event_type_round_trips_through_json(kind: str) -> None:
    for obj in variants(kind):
        ev = parse_event(obj)
        assert type(ev.data) is DATA_MODELS[kind]
        again = Event.model_validate(ev.model_dump(mode="json"))
        assert again == ev
        assert type(again.data) is DATA_MODELS[kind]
        assert Event.model_validate_json(ev.model_dump_json()) == ev


def test_round_trip_keeps_the_offset_of_occurred_at() -> None:
    ev = parse_event(raw("cv_updated", "2026-07-01T09:30:00+02:00"))
    again = Event.model_validate(ev.model_dump(mode="json"))
    assert again.occurred_at.isoformat() == "2026-07-01T09:30:00+02:00"


@pytest.mark.parametrize("kind", ALL_TYPES)
def test_valid_data_builder_is_valid_for_every_type(kind: str) -> None:
    ev = parse_event(raw(kind, OCCURRED))
    assert ev.type == kind
    dumped = ev.data.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    assert dumped == valid_data(kind, date(2026, 11, 23))

"""The three statutory events: strict models like the contract's others, and the checks
that need the case (before the first day of absence, after occurred_at, a closed case)."""

import json
import re
from datetime import datetime
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from core.statutory.events import (
    STATUTORY_DATA_MODELS,
    EarlyTalkRequested,
    ReassessmentHeld,
    StatutoryData,
    StatutoryTalkHeld,
    statutory_refusals,
    timeline_flags,
)
from testkit.samples import CPH, ROOT
from tests.unit.statutory_support import d

SICK = d("2026-02-10")
OCCURRED = datetime(2026, 3, 20, 9, 30, tzinfo=CPH)


def data(kind: str, values: dict[str, Any]) -> StatutoryData:
    model = STATUTORY_DATA_MODELS[kind].model_validate_json(json.dumps(values))
    assert isinstance(model, StatutoryTalkHeld | ReassessmentHeld | EarlyTalkRequested)
    return model


def test_the_models_take_what_the_contract_says() -> None:
    assert data("statutory_talk_held", {"held_on": "2026-03-01", "kind": "first"}) == (
        StatutoryTalkHeld(held_on=d("2026-03-01"), kind="first")
    )
    held = data("reassessment_held", {"held_on": "2026-07-01", "result": "extension"})
    assert held == ReassessmentHeld(held_on=d("2026-07-01"), result="extension")
    asked = data("early_talk_requested", {"requested_on": "2026-02-20", "requested_by": "employer"})
    assert asked == EarlyTalkRequested(requested_on=d("2026-02-20"), requested_by="employer")


@pytest.mark.parametrize(
    ("kind", "values", "field"),
    [
        ("statutory_talk_held", {"held_on": "2026-03-01", "kind": "late"}, "kind"),
        ("statutory_talk_held", {"held_on": "2026-02-30", "kind": "first"}, "held_on"),
        ("statutory_talk_held", {"held_on": "2026-03-01"}, "kind"),
        ("reassessment_held", {"held_on": "2026-07-01", "result": "fit"}, "result"),
        (
            "early_talk_requested",
            {"requested_on": "2026-02-20", "requested_by": "doctor"},
            "requested_by",
        ),
        (
            "early_talk_requested",
            {"requested_on": 20260220, "requested_by": "citizen"},
            "requested_on",
        ),
        ("statutory_talk_held", {"held_on": "2026-03-01", "kind": "first", "x": 1}, "x"),
    ],
)
def test_bad_data_is_refused_naming_the_field(
    kind: str, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        data(kind, values)
    assert [e["loc"][0] for e in refused.value.errors()] == [field]


def test_a_talk_before_the_first_day_of_absence_is_refused() -> None:
    talk = StatutoryTalkHeld(held_on=d("2026-02-09"), kind="first")
    assert statutory_refusals(talk, OCCURRED, SICK, closed=False) == [
        ("data.held_on", "lies before the first day of absence")
    ]
    asked = EarlyTalkRequested(requested_on=d("2026-01-31"), requested_by="citizen")
    assert statutory_refusals(asked, OCCURRED, SICK, closed=False) == [
        ("data.requested_on", "lies before the first day of absence")
    ]


def test_a_talk_after_the_event_that_reports_it_is_refused() -> None:
    talk = StatutoryTalkHeld(held_on=d("2026-03-21"), kind="regular")
    assert statutory_refusals(talk, OCCURRED, SICK, closed=False) == [
        ("data.held_on", "lies after occurred_at")
    ]
    same_day = StatutoryTalkHeld(held_on=d("2026-03-20"), kind="regular")
    assert statutory_refusals(same_day, OCCURRED, SICK, closed=False) == []


def test_a_talk_on_a_closed_case_is_refused() -> None:
    talk = StatutoryTalkHeld(held_on=d("2026-03-01"), kind="regular")
    assert statutory_refusals(talk, OCCURRED, SICK, closed=True) == [("case_id", "case closed")]


def test_a_reassessment_before_week_8_is_accepted_and_flagged() -> None:
    early = ReassessmentHeld(held_on=d("2026-03-30"), result="job_clarification_course")
    assert statutory_refusals(early, OCCURRED.replace(month=4), SICK, closed=False) == []
    assert timeline_flags(early, SICK) == (
        "reassessment held in week 7 of absence, before week 8: accepted (the law sets a "
        "latest date, not an earliest)",
    )
    in_week_8 = ReassessmentHeld(held_on=d("2026-03-31"), result="extension")
    assert timeline_flags(in_week_8, SICK) == ()
    assert timeline_flags(StatutoryTalkHeld(held_on=SICK, kind="first"), SICK) == ()


def test_the_contract_rows_in_the_docs_name_each_models_fields_and_values() -> None:
    doc = (ROOT / "docs" / "contract.md").read_text()  # the rows are in the contract
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|$", doc, re.MULTILINE))
    for kind, model in STATUTORY_DATA_MODELS.items():
        written = rows[kind].strip()
        fields = [part.strip() for part in re.sub(r"\([^)]*\)", "", written).split(",")]
        assert fields == list(model.model_fields), kind
        for name, field in model.model_fields.items():
            values = get_args(field.annotation)
            if values:
                assert f"{name} ({', '.join(values)})" in written, kind

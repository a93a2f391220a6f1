"""The statutory policy section: the law's values by default, stricter ones freely, looser
ones only with a reasoned exemption, which the loader logs."""

import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from structlog.testing import capture_logs

from activities.policies import PolicySource
from core.statutory_rules import LAW, StatutoryRules, log_exemptions
from infrastructure.policy_file import load_policy_book

EXEMPT = "frikommune-forsøg 2024-2027: follow-up when it makes sense"


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.lines.append((event, fields))


def test_the_defaults_are_the_law() -> None:
    rules = StatutoryRules()
    assert {rule: getattr(rules, rule) for rule in LAW} == {
        "first_talk_weeks": 8,
        "followup_every_weeks": 4,
        "reassessment_weeks": 22,
        "early_talk_weeks": 2,
    }
    assert rules.exemptions_in_use() == []


def test_a_municipality_may_be_stricter() -> None:
    rules = StatutoryRules.model_validate({"first_talk_weeks": 6, "followup_every_weeks": 3})
    assert (rules.first_talk_weeks, rules.followup_every_weeks) == (6, 3)


@pytest.mark.parametrize("rule", sorted(LAW))
def test_a_looser_value_without_an_exemption_is_refused(rule: str) -> None:
    with pytest.raises(ValidationError, match=f"exemptions.{rule} with its reason"):
        StatutoryRules.model_validate({rule: LAW[rule] + 1})  # type: ignore[index]


def test_a_looser_value_with_a_reasoned_exemption_is_taken_and_logged() -> None:
    toml = f"""
    first_talk_weeks = 10
    exemptions = {{ first_talk_weeks = "{EXEMPT}" }}
    """
    rules = StatutoryRules.model_validate(tomllib.loads(toml))
    log = Recorder()
    assert log_exemptions(log, "Viborg", rules) == 1
    assert log.lines == [
        (
            "policy.statutory_exemption",
            {
                "policy": "Viborg",
                "rule": "first_talk_weeks",
                "law": 8,
                "value": 10,
                "reason": EXEMPT,
            },
        )
    ]
    assert log_exemptions(log, "default", StatutoryRules()) == 0


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"exemptions": {"first_talk_weeks": EXEMPT}}, "not looser than the law's 8"),
        ({"first_talk_weeks": 9, "exemptions": {"first_talk_weeks": "ok"}}, "at least 10"),
        ({"exemptions": {"stage_weeks": EXEMPT}}, "exemptions.stage_weeks"),
        ({"first_talk_weeks": 0}, "greater than or equal to 1"),
        ({"first_talk_week": 8}, "Extra inputs are not permitted"),
    ],
)
def test_what_the_section_refuses(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        StatutoryRules.model_validate(values)


SHIPPED = Path(__file__).parents[2] / "policies" / "default.toml"
VIBORG_LOOSER = f"""
[municipalities.Viborg.statutory]
first_talk_weeks = 10
exemptions = {{ first_talk_weeks = "{EXEMPT}" }}

[municipalities.Odense.statutory]
first_talk_weeks = 6
"""


def test_the_policy_loader_logs_each_exemption_once_as_the_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(SHIPPED.read_text() + VIBORG_LOOSER)
    with capture_logs() as logs:
        PolicySource(path)
    exemptions = [line for line in logs if line["event"] == "policy.statutory_exemption"]
    assert exemptions == [
        {
            "event": "policy.statutory_exemption",
            "log_level": "warning",
            "policy": "Viborg",
            "rule": "first_talk_weeks",
            "law": 8,
            "value": 10,
            "reason": EXEMPT,
        }
    ]
    book = load_policy_book(path)
    assert book.for_municipality("Odense").statutory.first_talk_weeks == 6
    assert book.for_municipality("Aarhus").statutory == StatutoryRules()


def test_a_policy_file_with_a_looser_rule_and_no_exemption_does_not_load(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    looser = "\n[municipalities.Viborg.statutory]\nfirst_talk_weeks = 10\n"
    path.write_text(SHIPPED.read_text() + looser)
    with pytest.raises(ValidationError, match="looser than the law's 8"):
        load_policy_book(path)

"""The statutory section of a municipality's policy: the law's defaults, stricter values,
and looser ones only with an exemption that gives its reason.

In the policy file (a `statutory` table beside `ladder`):

    [municipalities.Viborg.statutory]
    first_talk_weeks = 10
    exemptions = { first_talk_weeks = "frikommune-forsøg 2024-2027: ..." }

Smaller numbers are stricter (a talk sooner). A looser number without an exemption is
refused when the file loads, as is an exemption for a rule that is not loosened: an
exemption on file must always be one that is in use.
"""

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

RuleField = Literal[
    "first_talk_weeks", "followup_every_weeks", "reassessment_weeks", "early_talk_weeks"
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=500)]

# The law's values (sygedagpengeloven § 13b and § 24; STAR guidance no. 9208 of 21/3/2023).
LAW_FIRST_TALK_WEEKS = 8  # the first follow-up talk before the end of week 8
LAW_FOLLOWUP_EVERY_WEEKS = 4  # then a talk at least every 4 weeks
LAW_REASSESSMENT_WEEKS = 22  # the reassessment by the end of week 22
LAW_EARLY_TALK_WEEKS = 2  # an early talk within 2 weeks of the request
LAW: dict[RuleField, int] = {
    "first_talk_weeks": LAW_FIRST_TALK_WEEKS,
    "followup_every_weeks": LAW_FOLLOWUP_EVERY_WEEKS,
    "reassessment_weeks": LAW_REASSESSMENT_WEEKS,
    "early_talk_weeks": LAW_EARLY_TALK_WEEKS,
}
Weeks = Annotated[int, Field(ge=1, le=52)]


class StatutoryRules(BaseModel):
    """The law's follow-up rules as one municipality applies them; defaults are the law's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_talk_weeks: Weeks = Field(
        LAW_FIRST_TALK_WEEKS, description="first talk by the end of this week of absence"
    )
    followup_every_weeks: Weeks = Field(
        LAW_FOLLOWUP_EVERY_WEEKS, description="the next talk this many weeks after the last"
    )
    reassessment_weeks: Weeks = Field(
        LAW_REASSESSMENT_WEEKS, description="the reassessment by the end of this week"
    )
    early_talk_weeks: Weeks = Field(
        LAW_EARLY_TALK_WEEKS, description="an early talk this many weeks after the request"
    )
    exemptions: dict[RuleField, Reason] = Field(
        default_factory=dict, description="rule -> why this municipality may be looser"
    )

    @model_validator(mode="after")
    def _looser_only_when_exempt(self) -> "StatutoryRules":
        problems = []
        for rule, law in LAW.items():
            value, exempt = getattr(self, rule), rule in self.exemptions
            if value > law and not exempt:
                problems.append(
                    f"{rule}: {value} is looser than the law's {law}; a looser value needs "
                    f"exemptions.{rule} with its reason"
                )
            elif exempt and value <= law:
                problems.append(f"exemptions.{rule}: {rule} is not looser than the law's {law}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def exemptions_in_use(self) -> list[dict[str, Any]]:
        """One record per loosened rule: what the law says, what this policy says, why."""
        return [
            {"rule": rule, "law": LAW[rule], "value": getattr(self, rule), "reason": reason}
            for rule, reason in sorted(self.exemptions.items())
        ]


class WarningLog(Protocol):
    def warning(self, event: str, **fields: Any) -> Any: ...


def log_exemptions(log: WarningLog, policy_name: str, rules: StatutoryRules) -> int:
    """Write one warning per statutory exemption a policy uses (the policy loader calls
    this for each municipality as the file loads); returns how many it wrote."""
    records = rules.exemptions_in_use()
    for record in records:
        log.warning("policy.statutory_exemption", policy=policy_name, **record)
    return len(records)

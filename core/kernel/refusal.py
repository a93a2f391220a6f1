"""Refusing with field and reason: one value (`Refusal`) and one exception (`Refused`).

Intake raises `Refused` with every problem it found; an entity's rules raise it with one.
Either way the refused event changes nothing, and the reason never echoes the value.
"""

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict


class Refusal(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class Refused(ValueError):
    """`Refused(field, reason)`; `Refused.every(refusals)` for several at once."""

    def __init__(self, field: str, reason: str) -> None:
        self.refusals: list[Refusal] = [Refusal(field=field, reason=reason)]
        super().__init__(str(self.refusals[0]))

    @classmethod
    def every(cls, refusals: Iterable[Refusal]) -> "Refused":
        found = list(refusals)
        refused = cls(found[0].field, found[0].reason)
        refused.refusals = found
        refused.args = ("; ".join(str(r) for r in found),)
        return refused

    @property
    def field(self) -> str:
        return self.refusals[0].field

    @property
    def reason(self) -> str:
        return self.refusals[0].reason

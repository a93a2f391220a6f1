"""The timeline every entity keeps, and the cheap copies its rules make of their state.

Every change to an entity goes through `note`: one timeline entry, one version more.
"""

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any, Protocol, Self, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

DEFAULT_TZ = "Europe/Copenhagen"

_set = object.__setattr__
M = TypeVar("M", bound=BaseModel)


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    what: str


@cache
def _defaults(cls: type[BaseModel]) -> dict[str, Any]:
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in cls.model_fields.items()
        if not field.is_required()
    }


def built(cls: type[M], **values: Any) -> M:
    """`cls(**values)` without validation, for values the rules made and typed themselves:
    pydantic's `model_construct` is generic and costs as much as the decision around it."""
    model = cls.__new__(cls)
    _set(model, "__dict__", {**_defaults(cls), **values})
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_private__", None)
    return model


class FrozenState(BaseModel):
    """An entity's state: frozen, carried whole through continue-as-new, copied cheaply.
    Its fields are declared by each entity, in the order their payloads have always had."""

    model_config = ConfigDict(frozen=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """As pydantic's (no validation, fields set remembered), without its generic
        copying: the rules copy a state several times an event, so this is their hot path."""
        if deep or not update:
            return super().model_copy(update=update, deep=deep)
        copied = type(self).__new__(type(self))
        _set(copied, "__dict__", {**self.__dict__, **update})
        _set(copied, "__pydantic_extra__", None)
        _set(copied, "__pydantic_fields_set__", self.__pydantic_fields_set__ | update.keys())
        _set(copied, "__pydantic_private__", None)
        return copied


class Tracked(Protocol):
    """What the kernel reads of every entity's state."""

    @property
    def version(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def seen(self) -> frozenset[str]: ...
    @property
    def held(self) -> tuple[Any, ...]: ...
    @property
    def timeline(self) -> tuple[TimelineEntry, ...]: ...

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self: ...


S = TypeVar("S", bound=Tracked)


def note(state: S, at: datetime, what: str, update: Mapping[str, Any] | None = None) -> S:
    """Record a step on the timeline (with `update`'s changes in the same copy); every
    change to an entity bumps its version."""
    entry = built(TimelineEntry, at=at, what=what)  # both typed: nothing to check
    return state.model_copy(
        update={
            **(update or {}),
            "timeline": (*state.timeline, entry),
            "version": state.version + 1,
        }
    )


def when(moment: datetime | None, tz_name: str = DEFAULT_TZ) -> str:
    if moment is None:
        return "none"
    # As strftime("%Y-%m-%d %H:%M %Z"), which costs more than the rest of a decision.
    d = moment.astimezone(ZoneInfo(tz_name))
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d} {d.tzname()}"

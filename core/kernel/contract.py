"""What every entity's events share: frozen strict data, texts, and the envelope whose
`data` is validated against the model its `type` names."""

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Hours = Annotated[float, Field(gt=0, le=60)]


def unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Frozen(BaseModel):
    """An event's `data`: JSON types must match exactly, unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def data_for_type(values: Any, models: dict[str, type[Frozen]]) -> Any:
    """Validate an envelope's `data` against the model its `type` names, before the union
    of data models sees it: the union is ambiguous on its own (several share a shape)."""
    if isinstance(values, dict):
        kind, data = values.get("type"), values.get("data")
        if isinstance(kind, str) and kind in models and isinstance(data, dict):
            values = {**values, "data": models[kind].model_validate(data, strict=False)}
    return values


class Envelope(BaseModel):
    """An event's envelope; an entity adds its id field, `type` and `data`."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ByType(BaseModel):
    """Mixed into an entity's event: `data` validated by `type` against `data_models`
    (not into its raw envelope: a before-validator makes JSON input Python input)."""

    data_models: ClassVar[dict[str, type[Frozen]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _data_for_type(cls, values: Any) -> Any:
        return data_for_type(values, cls.data_models)

"""What every entity's store writes the same way: its event log, its outbox rows and its
versioned projection row (one SQL shape each; the entity names its table and key)."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel


def log_event_sql(entity: str) -> str:
    """Append to `<entity>_event`, keyed (`<entity>_id`, event_id): insert-or-nothing."""
    key = f"{entity}_id"
    return f"""
INSERT INTO {entity}_event ({key}, event_id, seq, type, occurred_at, applied_at, data)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
ON CONFLICT ({key}, event_id) DO NOTHING
"""


def outbox_sql(entity: str, returning: bool) -> str:
    """One outbox row keyed by message_key; `returning` tells a new row from an old one."""
    back = "RETURNING message_key\n" if returning else ""
    return f"""
INSERT INTO outbox (message_key, {entity}_id, kind, stage, level, recipients, message, due_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
ON CONFLICT (message_key) DO NOTHING
{back}"""


def log_row(
    entity_id: str, event: Any, seq: int, applied_at: datetime, data: dict[str, Any]
) -> tuple[Any, ...]:
    """An accepted event, with its data as the sender sent it (JSON)."""
    return (
        entity_id,
        event.event_id,
        seq,
        event.type,
        event.occurred_at,
        applied_at,
        json.dumps(data),
    )


def outbox_row(message: Any, entity_id: str, stage: str) -> tuple[Any, ...]:
    """One message for the outbox (`stage`: the case's stage, the opening's status)."""
    return (
        message.message_key,
        entity_id,
        message.message_kind,
        stage,
        message.level,
        json.dumps(list(message.recipients)),
        message.text,
        message.due_at,
    )


def projection_row(
    projection: BaseModel, columns: Sequence[str], json_columns: set[str]
) -> list[Any]:
    """The projection's values in column order: JSON columns as JSON text, tuples as
    arrays."""
    values = projection.model_dump(mode="python")
    as_json = projection.model_dump(mode="json") if json_columns else {}
    row: list[Any] = []
    for column in columns:
        value = values[column]
        if column in json_columns:
            value = json.dumps(as_json[column])
        elif isinstance(value, tuple):
            value = list(value)
        row.append(value)
    return row

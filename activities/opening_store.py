"""The activity that writes an opening's step to PostgreSQL, and suggests its candidates.

One call is one transaction; every write is idempotent:
- opening_event:      key (opening_id, event_id), insert-or-nothing
- outbox:             key message_key ('opening/<id>/escalation/candidates_by',
                      'match/<opening>/<case>'), insert-or-nothing
- opening_projection: key opening_id, written only when the incoming version is newer
- match_suggestion:   key (opening_id, case_id), insert-or-nothing
"""

import json
from typing import Any

import asyncpg
import structlog
from temporalio import activity

from activities.db import versioned_upsert
from activities.matching import candidates_for_opening, opening_row, write_suggestions
from core.opening.projection import OpeningProjection
from core.opening.state import LogOpeningEvent, OpeningMessage
from workflows.activity_names import PERSIST_OPENING
from workflows.opening_payloads import PersistOpeningRequest

log = structlog.get_logger("activities.opening_store")

_LOG_EVENT = """
INSERT INTO opening_event (opening_id, event_id, seq, type, occurred_at, applied_at, data)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
ON CONFLICT (opening_id, event_id) DO NOTHING
"""
_OUTBOX = """
INSERT INTO outbox (message_key, opening_id, kind, stage, level, recipients, message, due_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
ON CONFLICT (message_key) DO NOTHING
"""
_COLUMNS = tuple(OpeningProjection.model_fields)
_JSON_COLUMNS = {"requirements"}
_PROJECTION = versioned_upsert("opening_projection", _COLUMNS, _JSON_COLUMNS)


class OpeningStore:
    """Holds the connection pool; its method is the worker's opening activity."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=PERSIST_OPENING)
    async def persist_opening(self, request: PersistOpeningRequest) -> int:
        """Write one opening step in one transaction (idempotent: see the module doc);
        returns how many candidates were suggested (0 when none was asked for)."""
        logs = [e for e in request.effects if isinstance(e, LogOpeningEvent)]
        messages = [e for e in request.effects if isinstance(e, OpeningMessage)]
        suggest = any(e.kind == "suggest_candidates" for e in request.effects)
        suggested = 0
        async with self._pool.acquire() as conn, conn.transaction():
            if logs:
                await conn.executemany(_LOG_EVENT, [_log_row(e) for e in logs])
            if messages:
                await conn.executemany(_OUTBOX, [_outbox_row(m) for m in messages])
            if request.projection is not None:
                await conn.execute(_PROJECTION, *_projection_row(request.projection))
            opening = await opening_row(conn, request.opening_id) if suggest else None
            if opening is not None and opening["status"] in ("OPEN", "PROPOSED"):
                found = await candidates_for_opening(conn, opening)
                await write_suggestions(conn, found, found_by="opening_registered")
                suggested = len(found)
        info = activity.info()
        log.info(
            "opening step persisted",
            opening_id=request.opening_id,
            workflow_id=info.workflow_id,
            attempt=info.attempt,
            events=len(logs),
            messages=len(messages),
            suggested=suggested,
        )
        return suggested


def _log_row(effect: LogOpeningEvent) -> tuple[Any, ...]:
    event = effect.event
    data = event.data.model_dump(mode="json", exclude_none=True)
    return (
        event.opening_id,
        event.event_id,
        effect.seq,
        event.type,
        event.occurred_at,
        effect.applied_at,
        json.dumps(data),
    )


def _outbox_row(message: OpeningMessage) -> tuple[Any, ...]:
    return (
        message.message_key,
        message.opening_id,
        message.message_kind,
        message.status,
        message.level,
        json.dumps(list(message.recipients)),
        message.text,
        message.due_at,
    )


def _projection_row(projection: OpeningProjection) -> list[Any]:
    values = projection.model_dump(mode="python")
    row: list[Any] = []
    for column in _COLUMNS:
        value = values[column]
        if column in _JSON_COLUMNS:
            value = json.dumps(list(value))
        elif column == "blocked_restrictions":
            value = list(value)
        row.append(value)
    return row

"""The activity that writes an opening's step to PostgreSQL, and suggests its candidates.

One call is one transaction; every write is idempotent:
- opening_event:      key (opening_id, event_id), insert-or-nothing
- outbox:             key message_key ('opening/<id>/escalation/candidates_by',
                      'match/<opening>/<case>'), insert-or-nothing
- opening_projection: key opening_id, written only when the incoming version is newer
- match_suggestion:   key (opening_id, case_id), insert-or-nothing
"""

from typing import Any

import structlog
from pydantic import BaseModel
from temporalio import activity

from activities.db import PoolHolder, versioned_upsert
from activities.matching import candidates_for_opening, opening_row, write_suggestions
from activities.rows import log_event_sql, log_row, outbox_row, outbox_sql, projection_row
from core.opening.projection import OpeningProjection
from core.opening.state import LogOpeningEvent, OpeningMessage
from workflows.activity_names import PERSIST_OPENING
from workflows.opening_payloads import PersistOpeningRequest

log = structlog.get_logger("activities.opening_store")

_LOG_EVENT = log_event_sql("opening")
_OUTBOX = outbox_sql("opening", returning=False)
_COLUMNS = tuple(OpeningProjection.model_fields)
_JSON_COLUMNS = {"requirements"}
_PROJECTION = versioned_upsert("opening_projection", _COLUMNS, _JSON_COLUMNS)


class OpeningStore(PoolHolder):
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
    return log_row(event.opening_id, event, effect.seq, effect.applied_at, data)


def _outbox_row(message: OpeningMessage) -> tuple[Any, ...]:
    return outbox_row(message, message.opening_id, message.status)


def _projection_row(projection: BaseModel) -> list[Any]:
    return projection_row(projection, _COLUMNS, _JSON_COLUMNS)

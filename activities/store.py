"""Activities that write a case's step to PostgreSQL: event log, outbox, refusals, projection.

One activity call is one transaction. Every write is idempotent, so a retried or replayed
attempt, or one a crashed worker left half-done, changes nothing the second time:
- case_event:      key (case_id, event_id), insert-or-nothing
- outbox:          key message_key, insert-or-nothing: one message per (case, deadline, level)
- refused_event:   key (case_id, event_id, delivery), insert-or-nothing
- case_projection: key case_id, written only when the incoming version is newer
- match_suggestion: key (opening_id, case_id), insert-or-nothing; its outbox row is keyed
                   'match/<opening>/<case>' (a case entering MATCHING gets open openings)
"""

from typing import Any

import structlog
from pydantic import BaseModel
from temporalio import activity

from activities.db import PoolHolder, versioned_upsert
from activities.matching import openings_for_case, write_suggestions
from activities.rows import log_event_sql, log_row, outbox_row, outbox_sql, projection_row
from activities.unstorable import NEVER_STORED, unstorable
from core.case.events import json_data
from core.case.state import LogEvent, RecordRefusal, SendMessage
from observability.metrics import count_escalation, count_refusal
from workflows.activity_names import PERSIST_CASE, SUGGEST_OPENINGS
from workflows.case_payloads import PersistRequest, SuggestRequest

log = structlog.get_logger("activities.store")

_LOG_EVENT = log_event_sql("case")
_OUTBOX = outbox_sql("case", returning=True)
_REFUSAL = """
INSERT INTO refused_event (case_id, event_id, delivery, field, reason, refused_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
RETURNING event_id
"""
_PROJECTION_COLUMNS = (
    "case_id", "version", "municipality", "stage", "department", "owner", "team", "consultant",
    "deadline", "escalation_level", "stalled", "paused", "review_on", "outcome", "job_goals",
    "restrictions", "cv_complete", "expected_fit_for_work_on", "declared_fit_on", "opened_at",
    "stage_entered_at", "closed_at", "policy_version", "stages",
)  # fmt: skip
_JSON_COLUMNS = {"job_goals", "restrictions", "stages"}
_PROJECTION = versioned_upsert("case_projection", _PROJECTION_COLUMNS, _JSON_COLUMNS)


class CaseStore(PoolHolder):
    @activity.defn(name=PERSIST_CASE)
    async def persist_case(self, request: PersistRequest) -> None:
        """Write one workflow step in one transaction (idempotent: see the module doc)."""
        logs = [e for e in request.effects if isinstance(e, LogEvent)]
        messages = [e for e in request.effects if isinstance(e, SendMessage)]
        refusals = [e for e in request.effects if isinstance(e, RecordRefusal)]
        try:
            written, new_refusals = await self._write(request, logs, messages, refusals)
        except NEVER_STORED as error:
            ids = [e.event.event_id for e in logs]
            raise unstorable(error, request.case_id, ids) from None
        _log_step(request, len(logs), messages, len(refusals))
        _count(written, new_refusals)

    async def _write(
        self,
        request: PersistRequest,
        logs: list[LogEvent],
        messages: list[SendMessage],
        refusals: list[RecordRefusal],
    ) -> tuple[list[SendMessage], list[RecordRefusal]]:
        async with self._pool.acquire() as conn, conn.transaction():
            if logs:
                await conn.executemany(_LOG_EVENT, [_log_row(e) for e in logs])
            # One row at a time, to know which were new: the metrics count those only.
            written = [m for m in messages if await conn.fetchval(_OUTBOX, *_outbox_row(m))]
            new_refusals = [r for r in refusals if await conn.fetchval(_REFUSAL, *_refusal_row(r))]
            if request.projection is not None:
                await conn.execute(_PROJECTION, *_projection_row(request.projection))
            if request.match_openings and request.projection is not None:
                found = await openings_for_case(conn, request.projection)
                await write_suggestions(conn, found, found_by="case_matching")
        return written, new_refusals

    @activity.defn(name=SUGGEST_OPENINGS)
    async def suggest_openings(self, request: SuggestRequest) -> int:
        """Suggest the best open openings to a case that entered MATCHING; the number found.
        Idempotent: each (opening, case) pair is written once (see the module doc)."""
        async with self._pool.acquire() as conn, conn.transaction():
            found = await openings_for_case(conn, request.projection)
            await write_suggestions(conn, found, found_by="case_matching")
        log.info(
            "openings suggested",
            case_id=request.projection.case_id,
            workflow_id=activity.info().workflow_id,
            found=len(found),
        )
        return len(found)


def _count(messages: list[SendMessage], refusals: list[RecordRefusal]) -> None:
    """Business metrics, after the commit: only what this attempt really wrote."""
    meter = activity.metric_meter()
    for message in messages:
        if message.message_kind == "escalation" and message.level is not None:
            count_escalation(meter, message.level, message.stage)
    for refusal in refusals:
        count_refusal(meter, refusal.field, refusal.reason)


def _log_step(
    request: PersistRequest, events: int, messages: list[SendMessage], refusals: int
) -> None:
    # Ids, stages and levels only: message texts and event data stay out of the logs.
    info = activity.info()
    ids = {"case_id": request.case_id, "workflow_id": info.workflow_id, "attempt": info.attempt}
    for message in messages:
        log.info(
            "outbox message written",
            **ids,
            kind=message.message_kind,
            stage=message.stage.value,
            escalation_level=message.level,
            message_key=message.message_key,
        )
    log.info("case step persisted", **ids, events=events, messages=len(messages), refusals=refusals)


def _log_row(effect: LogEvent) -> tuple[Any, ...]:
    event = effect.event
    return log_row(event.case_id, event, effect.seq, effect.applied_at, json_data(event))


def _outbox_row(message: SendMessage) -> tuple[Any, ...]:
    return outbox_row(message, message.case_id, message.stage.value)


def _refusal_row(refusal: RecordRefusal) -> tuple[Any, ...]:
    # The workflow time of the refusal tells two deliveries of one event id apart.
    delivery = refusal.refused_at.isoformat()
    return (
        refusal.case_id,
        refusal.event_id,
        delivery,
        refusal.field,
        refusal.reason,
        refusal.refused_at,
    )


def _projection_row(projection: BaseModel) -> list[Any]:
    return projection_row(projection, _PROJECTION_COLUMNS, _JSON_COLUMNS)

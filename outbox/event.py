"""One outbox row as a CloudEvents 1.0 JSON body: what a webhook receives and what the pull
feed serves, so a receiver handles both with the same code. The event id is the message
key, as is the ``webhook-id`` header: one message, one id, however often it is sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

CONTENT_TYPE = JSONFormat.CONTENT_TYPE  # application/cloudevents+json
TYPE_PREFIX = "dk.trappebro.outbox."
_FORMAT = JSONFormat()

# The outbox columns a body is made of; every reader selects these.
COLUMNS = (
    "message_key", "case_id", "opening_id", "kind", "stage", "level", "recipients",
    "message", "due_at", "created_at",
)  # fmt: skip


def source(row: Mapping[str, Any]) -> str:
    if row["case_id"]:
        return f"/trappebro/cases/{row['case_id']}"
    if row["opening_id"]:
        return f"/trappebro/openings/{row['opening_id']}"
    return "/trappebro/teams"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def cloud_event(row: Mapping[str, Any]) -> CloudEvent:
    recipients = row["recipients"]
    data = {
        "message_key": row["message_key"],
        "kind": row["kind"],
        "case_id": row["case_id"],
        "opening_id": row["opening_id"],
        "stage": row["stage"],
        "level": row["level"],
        "recipients": json.loads(recipients) if isinstance(recipients, str) else recipients,
        "message": row["message"],
        "due_at": _iso(row["due_at"]),
    }
    attributes: dict[str, Any] = {
        "id": row["message_key"],
        "source": source(row),
        "type": TYPE_PREFIX + row["kind"],
        "time": row["created_at"],
        "datacontenttype": "application/json",
    }
    subject = row["case_id"] or row["opening_id"]
    if subject:
        attributes["subject"] = subject
    return CloudEvent(attributes, data)


def body(row: Mapping[str, Any]) -> bytes:
    return _FORMAT.write(cloud_event(row))


def as_json(row: Mapping[str, Any]) -> Any:
    """The same event as a JSON value, for embedding in the pull feed's page."""
    return json.loads(body(row))

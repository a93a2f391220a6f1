"""What every entity's decisions ask the shell to write: its event log, its outbox."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Effect(BaseModel):
    model_config = ConfigDict(frozen=True)


class Logged(Effect):
    """Append an accepted event to the entity's log (key: entity id, event id)."""

    seq: int
    applied_at: datetime


class Message(Effect):
    """Write one outbox message (key: `message_key`, so writing it twice writes it once)."""

    message_key: str
    level: int | None = None
    recipients: tuple[str, ...]
    text: str
    due_at: datetime | None = None

"""What became of a case's escalations once written to the outbox, as the relay tells it.

The workflow cannot read the outbox, so the relay signals each outcome (`DeliveryNews`);
the workflow keeps them in `Deliveries` (carried through continue-as-new) and the details
say whether the last escalation arrived (core/case/words.py has the words).
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from core.case.state import Effect, SendMessage

ESCALATION = "escalation"
KEPT = 8  # escalations whose outcome is kept; the details need only the last

DeliveryOutcome = Literal["delivered", "failed", "dead"]


class DeliveryNews(BaseModel):
    """One outbox message's outcome, from the relay (signal `outbox_delivery`)."""

    model_config = ConfigDict(frozen=True)

    message_key: str
    kind: str
    level: int | None = None
    outcome: DeliveryOutcome
    at: datetime
    answer: str = ""  # the receiver's last answer, short (failed, dead)


class LastEscalation(BaseModel):
    """The case's last escalation and, once heard, what became of it."""

    model_config = ConfigDict(frozen=True)

    message_key: str
    level: int
    news: DeliveryNews | None = None


class Deliveries(BaseModel):
    """The last escalation the case wrote and the outcomes heard, newest last."""

    model_config = ConfigDict(frozen=True)

    last_key: str | None = None
    last_level: int = 0
    news: tuple[DeliveryNews, ...] = ()

    def wrote(self, effects: list[Effect]) -> "Deliveries":
        """After a step is stored: its last escalation message becomes the last one."""
        sent = [e for e in effects if isinstance(e, SendMessage) and e.message_kind == ESCALATION]
        if not sent:
            return self
        last = sent[-1]
        update = {"last_key": last.message_key, "last_level": last.level or 0}
        return self.model_copy(update=update)

    def heard(self, news: DeliveryNews) -> "Deliveries":
        """Keep the newest outcome per message; other kinds than escalations are ignored."""
        if news.kind != ESCALATION:
            return self
        known = next((n for n in self.news if n.message_key == news.message_key), None)
        if known is not None and known.at > news.at:
            return self  # an older outcome arriving late changes nothing
        rest = tuple(n for n in self.news if n.message_key != news.message_key)
        return self.model_copy(update={"news": (*rest, news)[-KEPT:]})

    def last(self) -> LastEscalation | None:
        """The last escalation written, or (for a case whose history predates this record)
        the last one heard of."""
        if self.last_key is not None:
            news = next((n for n in self.news if n.message_key == self.last_key), None)
            return LastEscalation(message_key=self.last_key, level=self.last_level, news=news)
        if not self.news:
            return None
        news = self.news[-1]
        return LastEscalation(message_key=news.message_key, level=news.level or 0, news=news)

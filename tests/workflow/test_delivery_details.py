"""The case's Current details say whether its last escalation was delivered: the relay's
`outbox_delivery` signal on the time-skipping server (before, failed, delivered, an old
outcome arriving late, through continue-as-new), and the pure record behind it."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from core.case.delivery import KEPT, Deliveries, DeliveryNews
from core.case.details import delivery_line
from core.kernel.timeline import when
from testkit.builders import write_policy
from testkit.case_run import key
from testkit.describe import CONTINUED_AS_NEW, current_details
from testkit.harness import Harness, open_harness
from testkit.waiting import eventually
from workflows.case_payloads import DELIVERY_SIGNAL, CaseInput

CPH = "Europe/Copenhagen"


@pytest.fixture
async def hs(ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """A second-scale test policy: the job-goal talk is due 100 s after opening."""
    async with open_harness(ts_env, clean_db, write_policy(tmp_path)) as harness:
        yield harness


def news(message_key: str, outcome: str, at: datetime, answer: str = "") -> DeliveryNews:
    return DeliveryNews.model_validate(
        {"message_key": message_key, "kind": "escalation", "level": 1, "outcome": outcome,
         "at": at, "answer": answer}
    )  # fmt: skip


async def test_the_details_say_whether_the_last_escalation_was_delivered(hs: Harness) -> None:
    case = hs.case()
    await case.accept("case_opened")
    assert "Seneste eskalering" not in await current_details(case.handle)  # none yet

    await hs.skip(timedelta(seconds=110))
    s = await case.wait_for(lambda st: st.escalation_level == 1, "level 1")
    first = key(case, "escalation", s.state.deadline_no, 1)
    assert "Seneste eskalering (niveau 1): endnu ikke leveret" in await current_details(case.handle)

    t1 = datetime.now(UTC).replace(microsecond=0)
    await case.handle.signal(DELIVERY_SIGNAL, news(first, "failed", t1, "400 Bad Request\nno"))
    line = (
        f"Seneste eskalering (niveau 1): **levering mislykkedes (afvist)** {when(t1, CPH)}: 400 Bad"
    )
    await eventually(lambda: current_details(case.handle), lambda d: line in d, "failed shown")

    t2 = t1 + timedelta(minutes=3)
    await case.handle.signal(DELIVERY_SIGNAL, news(first, "delivered", t2))
    # An outcome older than the one kept, and news of another kind, change nothing.
    await case.handle.signal(DELIVERY_SIGNAL, news(first, "dead", t1))
    other = news(key(case, "wage_talk", "x"), "failed", t2).model_copy(update={"kind": "wage_talk"})
    await case.handle.signal(DELIVERY_SIGNAL, other)
    delivered = f"Seneste eskalering (niveau 1): **leveret** {when(t2, CPH)}"
    await eventually(lambda: current_details(case.handle), lambda d: delivered in d, "delivered")
    assert delivered in await case.details()  # the details query says the same
    await case.settled()
    assert delivered in await current_details(case.handle)

    # The next rung is a new escalation: not delivered yet, whatever the first one did.
    await hs.skip(timedelta(seconds=60))
    await case.wait_for(lambda st: st.escalation_level == 2, "level 2")
    assert "Seneste eskalering (niveau 2): endnu ikke leveret" in await current_details(case.handle)


async def test_the_delivery_outcome_survives_continue_as_new(hs: Harness) -> None:
    case = hs.case()
    opened = case.event("case_opened", await hs.now())
    handle = await case.start(opened, CaseInput(case_id=case.case_id, continue_as_new_after=25))
    first_run = handle.result_run_id
    await hs.skip(timedelta(seconds=110))
    s = await case.wait_for(lambda st: st.escalation_level == 1, "level 1")
    at = datetime.now(UTC).replace(microsecond=0)
    await case.handle.signal(
        DELIVERY_SIGNAL, news(key(case, "escalation", s.state.deadline_no, 1), "delivered", at)
    )
    # Events until the history is long enough to continue as new.
    for owner in range(1, 8):
        await case.accept("owner_changed", owner=f"sb-{owner}")
    s = await case.settled()
    assert s.desc.run_id != first_run
    assert (await case.history_events(first_run))[-1] == CONTINUED_AS_NEW
    assert f"**leveret** {when(at, CPH)}" in await current_details(case.handle)


def test_the_record_keeps_the_newest_outcome_of_the_last_escalations() -> None:
    t = datetime(2026, 12, 2, 18, 4, tzinfo=UTC)
    record = Deliveries()
    assert record.last() is None
    # A case whose history predates the record: the last escalation heard of is shown.
    heard = record.heard(news("K/escalation/1/1", "dead", t, "timeout"))
    last = heard.last()
    assert last is not None and last.news is not None and last.news.outcome == "dead"
    line = delivery_line(last, CPH, "en")
    assert line == "Last escalation (level 1): **delivery failed (dead-lettered)** " + (
        "2026-12-02 19:04 CET: timeout"
    )
    for n in range(KEPT + 3):
        heard = heard.heard(news(f"K/escalation/{n}/2", "delivered", t))
    assert len(heard.news) == KEPT
    assert heard.news[-1].message_key == f"K/escalation/{KEPT + 2}/2"

"""A first import does not flood people: messages due before ``fold_due_before`` are
recorded, not sent, and each recipient gets one summary once the import goes quiet; newer
messages go out one by one as always. Real receiver, real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from outbox.receiver import Receiver
from testkit.relay import (
    FAST,
    SECRET,
    insert_messages,
    port,
    receivers_file,
    receiving,
    relay,
    states,
    until,
)


async def test_stale_messages_fold_into_one_summary_per_recipient(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    cutoff = datetime.now(UTC) - timedelta(days=1)
    old = cutoff - timedelta(days=30)
    lead = await insert_messages(clean_db, 6, tag="old", due=old, recipients=("lead", "head"))
    owner = await insert_messages(clean_db, 3, tag="older", due=old, recipients=("owner",))
    fresh = await insert_messages(clean_db, 2, tag="fresh")  # due now: after the cut-off
    config = receivers_file(tmp_path, at, fold_quiet_seconds=0.5, **FAST)
    text = config.read_text().replace(
        "[relay]\n", f"[relay]\nfold_due_before = {cutoff.isoformat()}\n"
    )
    config.write_text(text)
    async with receiving(Receiver(SECRET), at) as receiver, relay(clean_db, config):

        async def summaries_delivered() -> bool:
            rows = (await states(clean_db)).values()
            done = [r for r in rows if r["kind"] == "import_summary" and r["state"] == "delivered"]
            return len(done) == 3

        await until(summaries_delivered, "three delivered summaries")
        await until(lambda: all(k in receiver.seen for k in fresh), "the fresh messages")
    rows = await states(clean_db)
    summaries = {r["recipients"]: r for r in rows.values() if r["kind"] == "import_summary"}
    assert set(summaries) == {'["lead"]', '["head"]', '["owner"]'}
    assert "6 besked(er) om 6 sag(er)" in summaries['["lead"]']["message"]
    assert "3 besked(er)" in summaries['["owner"]']["message"]
    for key in lead + owner:
        assert rows[key]["state"] == "folded" and key not in receiver.seen
        assert rows[key]["folded_into"] is not None and rows[key]["attempts"] == 0
    # What the receiver got: the two fresh messages one by one and the three summaries.
    assert sorted(receiver.seen) == sorted(
        [*fresh, *(r["message_key"] for r in summaries.values())]
    )

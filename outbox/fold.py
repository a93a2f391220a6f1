"""The first import's stale messages folded into one summary per recipient.

With ``fold_due_before`` in the receivers file, the relay does not send a message due before
that moment: it marks it ``folded``. Once no message has been folded for
``fold_quiet_seconds`` (the import has gone quiet), the folded rows not yet summarised become
one outbox message per (municipality, recipient), kind ``import_summary``, which is delivered
like any other; each folded row names its summary in ``folded_into``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import asyncpg

from core.import_summary import Folded, summary_text

KIND = "import_summary"

_FOLDED = """
SELECT o.message_key, o.case_id, o.kind, o.due_at, o.recipients,
       COALESCE(o.municipality, p.municipality, q.municipality) AS municipality
FROM outbox o
LEFT JOIN case_projection p ON p.case_id = o.case_id
LEFT JOIN opening_projection q ON q.opening_id = o.opening_id
WHERE o.state = 'folded' AND o.folded_into IS NULL
  AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.state = 'folded' AND r.folded_into IS NULL
                  AND r.last_attempt_at > now() - make_interval(secs => $1))
FOR UPDATE OF o SKIP LOCKED
"""
_SUMMARY = """
INSERT INTO outbox (message_key, kind, recipients, message, municipality, due_at)
VALUES ($1, $2, $3::jsonb, $4, $5, now()) ON CONFLICT (message_key) DO NOTHING
"""
_MARK = "UPDATE outbox SET folded_into = $2 WHERE message_key = ANY($1::text[])"


async def summarise(pool: asyncpg.Pool, cutoff: datetime, quiet: float) -> int:
    """Write the summaries of the folded rows once folding has gone quiet; how many."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_FOLDED, quiet)
        if not rows:
            return 0
        groups: dict[tuple[str | None, str], list[asyncpg.Record]] = defaultdict(list)
        for row in rows:
            for recipient in json.loads(row["recipients"]) or ["(no recipient)"]:
                groups[(row["municipality"], recipient)].append(row)
        batch = f"import-summary/{cutoff:%Y%m%dT%H%M}/{min(r['message_key'] for r in rows)}"
        for (municipality, recipient), members in groups.items():
            folded = [Folded(r["message_key"], r["case_id"], r["kind"], r["due_at"])
                      for r in members]  # fmt: skip
            key = f"{batch}/{municipality or '-'}/{recipient}"
            text = summary_text(recipient, folded, cutoff)
            await conn.execute(_SUMMARY, key, KIND, json.dumps([recipient]), text, municipality)
        await conn.execute(_MARK, [r["message_key"] for r in rows], batch)
        return len(groups)

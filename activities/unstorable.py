"""Errors of the data, not of the moment: the persist activity must not retry them forever.

PostgreSQL's class 22 (data exception: a character it cannot convert, a value out of range)
and class 23 (a check or not-null constraint) fail the same way on every retry, as does a
string the driver cannot even encode. Such a failure becomes a non-retryable
`ApplicationError` of type `UNSTORABLE`; the case workflow then refuses the step's events
with the database's reason (workflows/case.py). Everything else (connection lost, server
shutting down, deadlock, serialization) stays retryable, as before.

The log line and the metric carry the case id, event ids and the SQLSTATE: never the data.
"""

from collections.abc import Sequence

import asyncpg
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from observability.metrics import count_unstorable
from workflows.activity_names import UNSTORABLE

log = structlog.get_logger("activities.unstorable")

NEVER_STORED = (
    asyncpg.DataError,
    asyncpg.CheckViolationError,
    asyncpg.NotNullViolationError,
    UnicodeEncodeError,
)


def unstorable(error: BaseException, case_id: str, event_ids: Sequence[str]) -> ApplicationError:
    """The non-retryable failure for `error`, logged and counted once."""
    sqlstate = getattr(error, "sqlstate", None) or "encoding"
    # The class name and SQLSTATE, not the message: a message may quote the value.
    reason = f"the database cannot store it ({type(error).__name__}, SQLSTATE {sqlstate})"
    log.error(
        "case step refused by the database",
        case_id=case_id,
        event_ids=list(event_ids),
        sqlstate=sqlstate,
        workflow_id=activity.info().workflow_id,
    )
    count_unstorable(activity.metric_meter(), sqlstate)
    return ApplicationError(reason, type=UNSTORABLE, non_retryable=True)

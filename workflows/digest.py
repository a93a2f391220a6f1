"""The daily digest: started once a day by a Temporal Schedule (infrastructure/schedules.py).

Which day it is about comes from the schedule's own scheduled time (the
``TemporalScheduledStartTime`` search attribute), so a backfill of past days or a run that
started late writes the digest of the day it stands for; started by hand, it is today.
"""

from temporalio import workflow
from temporalio.common import SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from core.digest import local_day
    from workflows.activity_names import WRITE_DIGEST
    from workflows.digest_payloads import (
        DIGEST_TIMEZONE,
        DIGEST_WORKFLOW,
        DigestRequest,
        DigestResult,
    )
    from workflows.shell import patiently

SCHEDULED_AT = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")


@workflow.defn(name=DIGEST_WORKFLOW)
class DigestWorkflow:
    @workflow.run
    async def run(self) -> DigestResult:
        moment = workflow.info().typed_search_attributes.get(SCHEDULED_AT) or workflow.now()
        # Through the core: the sandbox's proxied zoneinfo is not a tzinfo to datetime.
        day = local_day(moment, DIGEST_TIMEZONE)
        request = DigestRequest(day=day)
        summary = f"Write each team's digest for {day.isoformat()}"
        result: DigestResult = await workflow.execute_activity(
            WRITE_DIGEST, request, result_type=DigestResult, **patiently(summary)
        )
        return result

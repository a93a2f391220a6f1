"""The Temporal Schedules the service needs: the daily digest.

`ensure_digest_schedule` is idempotent: it creates the schedule, or brings an existing one
in line with this code (time, task queue, policies) while keeping whether ops paused it.
The dev stack and deploy/register_search_attributes.py call it. The schedule carries no
payloads of citizens' data (the workflow takes no input), so it needs no payload key.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.digest_payloads import DIGEST_SCHEDULE_ID, DIGEST_TIMEZONE, DIGEST_WORKFLOW

# Before the working day starts, so the digest is there when the teams arrive.
DIGEST_AT = (6, 30)
# A run missed while the cluster was down is still made up to this long after its time;
# later than that the day has moved on and the next digest is the useful one.
CATCHUP = timedelta(hours=12)


def digest_schedule(task_queue: str) -> Schedule:
    hour, minute = DIGEST_AT
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DIGEST_WORKFLOW,
            id="trappebro-digest",
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)])
            ],
            time_zone_name=DIGEST_TIMEZONE,
        ),
        # One digest at a time: a run still going when the next is due makes that one wait
        # its turn rather than run twice at once (the key makes a repeat harmless anyway).
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE, catchup_window=CATCHUP),
        state=ScheduleState(note="Per team: cases due this week and stalled cases"),
    )


async def ensure_digest_schedule(client: Client, task_queue: str) -> str:
    """Create or update the digest schedule; "created" or "updated"."""
    wanted = digest_schedule(task_queue)
    try:
        await client.create_schedule(DIGEST_SCHEDULE_ID, wanted)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        # Keep a pause (and its note) that ops set by hand.
        wanted.state = current.description.schedule.state
        return ScheduleUpdate(schedule=wanted)

    await client.get_schedule_handle(DIGEST_SCHEDULE_ID).update(update)
    return "updated"

"""`starter.py status` and `starter.py opening`: a case or an opening in words and its
timeline, or its whole state as JSON."""

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.describe import describe, plain
from core.opening_state import OpeningState
from core.opening_words import describe_opening
from core.state import CaseState
from outbox.ops import escalation_line
from workflows.messages import workflow_id
from workflows.opening_messages import opening_workflow_id

State = TypeVar("State", bound=BaseModel)
DEFAULT_TZ = "Europe/Copenhagen"


async def case_status(
    client: Client, case_id: str, as_json: bool, database_url: str | None
) -> int:
    async def words(state: CaseState) -> str:
        tz = state.policy.timezone if state.policy else DEFAULT_TZ
        text = f"Case {case_id} ({state.municipality or 'not opened yet'})\n\n"
        text += plain(describe(state), state.timeline, tz)
        delivery = await escalation_line(database_url, case_id)
        return text + (f"\n\n{delivery}" if delivery else "")

    return await show(client, workflow_id(case_id), CaseState, f"no case {case_id}", as_json, words)


async def opening_status(client: Client, opening_id: str, as_json: bool) -> int:
    async def words(state: OpeningState) -> str:
        tz = state.policy.timezone if state.policy else DEFAULT_TZ
        return plain(describe_opening(state), state.timeline, tz)

    handle_id = opening_workflow_id(opening_id)
    return await show(client, handle_id, OpeningState, f"no opening {opening_id}", as_json, words)


async def show(
    client: Client,
    entity_workflow_id: str,
    result_type: type[State],
    missing: str,
    as_json: bool,
    words: Callable[[State], Awaitable[str]],
) -> int:
    """Print the entity's state; status 1 when there is no such workflow."""
    handle = client.get_workflow_handle(entity_workflow_id)
    try:
        state = await handle.query("state", result_type=result_type)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            print(missing, file=sys.stderr)
            return 1
        raise
    if as_json:
        print(state.model_dump_json(indent=2, exclude={"held"}))
    else:
        print(await words(state))
    return 0

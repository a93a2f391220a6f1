"""`starter.py status` and `starter.py opening`: a case or an opening in words and its
timeline, or its whole state as JSON."""

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.case import details as case_words
from core.case.state import CaseState
from core.kernel.words import as_json as state_json
from core.kernel.words import language_of
from core.opening import words as opening_words
from core.opening.state import OpeningState
from outbox.ops import escalation_line
from workflows.case_payloads import workflow_id
from workflows.opening_payloads import opening_workflow_id

State = TypeVar("State", bound=BaseModel)


async def case_status(client: Client, case_id: str, as_json: bool, database_url: str | None) -> int:
    async def words(state: CaseState) -> str:
        delivery = await escalation_line(database_url, case_id, language_of(state.policy))
        return case_words.status(state) + (f"\n\n{delivery}" if delivery else "")

    return await show(client, workflow_id(case_id), CaseState, f"no case {case_id}", as_json, words)


async def opening_status(client: Client, opening_id: str, as_json: bool) -> int:
    async def words(state: OpeningState) -> str:
        return opening_words.status(state)

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
        print(state_json(state))
    else:
        print(await words(state))
    return 0

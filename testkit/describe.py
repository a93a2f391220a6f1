"""What the server says of a workflow, made to work on the time-skipping server too,
and when a case is at rest."""


from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import SearchAttributes, WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributeValueType,
    TypedSearchAttributes,
)
from temporalio.converter import decode_typed_search_attributes

from core.case.state import CaseState


@dataclass
class Description:
    """What `WorkflowHandle.describe()` tells: status, run, typed search attributes."""

    run_id: str
    status: WorkflowExecutionStatus
    typed_search_attributes: TypedSearchAttributes
    raw: DescribeWorkflowExecutionResponse


async def describe(client: Client, wid: str, run_id: str | None = None) -> Description:
    """`WorkflowHandle.describe()`, made to work on the time-skipping server too.

    A workflow unsets a search attribute with a null payload; a real server then drops the
    attribute, but the Java test server keeps the null, and the SDK's decoder fails on a
    null Datetime (the NextDeadline of a closed case). Then decode as the SDK does, minus
    the nulls.
    """
    handle = client.get_workflow_handle(wid, run_id=run_id)
    try:
        desc = await handle.describe()
    except TypeError:
        pass
    else:
        assert desc.status is not None
        return Description(
            run_id=desc.run_id,
            status=desc.status,
            typed_search_attributes=desc.typed_search_attributes,
            raw=desc.raw_description,
        )
    response = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace,
            execution=WorkflowExecution(workflow_id=wid, run_id=run_id or ""),
        )
    )
    info = response.workflow_execution_info
    present = SearchAttributes()
    for name, payload in info.search_attributes.indexed_fields.items():
        if payload.metadata.get("encoding") != b"binary/null":
            present.indexed_fields[name].CopyFrom(payload)
    return Description(
        run_id=info.execution.run_id,
        status=WorkflowExecutionStatus(info.status),
        typed_search_attributes=decode_typed_search_attributes(present),
        raw=response,
    )


@dataclass
class Settled:
    """A case at rest: its state, search attributes and read-model row agree."""

    state: CaseState
    desc: Description
    projection: dict[str, Any] | None

    @property
    def attrs(self) -> TypedSearchAttributes:
        return self.desc.typed_search_attributes

    def attr(
        self, key: SearchAttributeKey[SearchAttributeValueType]
    ) -> SearchAttributeValueType | None:
        return self.attrs.get(key)


# What a completed workflow task may leave after itself in the history while the case
# waits: the commands it gave. Anything else (a signal, a fired timer, an activity result,
# a scheduled or started task) means the workflow has work to do.
_COMMAND_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
}
_CLOSED_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
}


def at_rest(events: list[int]) -> bool:
    """A history whose workflow has nothing to do until something new happens."""
    if events and events[-1] in _CLOSED_EVENTS:
        return True
    completed = [
        i for i, e in enumerate(events) if e == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    return bool(completed) and all(e in _COMMAND_EVENTS for e in events[completed[-1] :])


CONTINUED_AS_NEW = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW


async def current_details(handle: WorkflowHandle[object, object]) -> str:
    """What the Web UI shows as Current details (the SDK's metadata query)."""
    meta = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(meta.current_details)

"""Optional OpenTelemetry tracing: the SDK's tracing interceptor on the service's client
and worker traces a case from the door's signal-with-start to the persist activity, on the
time-skipping server with the production worker. Spans carry ids, never payloads."""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from composition import create_worker
from doors.ingest import send
from infrastructure.config import Settings
from observability.tracing import TracingUnavailable, tracing_interceptors
from testkit.builders import DEFAULT_POLICY, build_event, new_case_id
from testkit.keys import CONVERTER
from testkit.waiting import eventually


def test_tracing_is_off_unless_asked_for() -> None:
    assert tracing_interceptors(Settings()) == []


@pytest.mark.skipif(
    importlib.util.find_spec("opentelemetry.exporter") is not None,
    reason="the OTLP exporter is installed here",
)
def test_otlp_without_the_exporter_says_what_to_install() -> None:
    with pytest.raises(TracingUnavailable, match=r"pip install '\.\[otel\]'"):
        tracing_interceptors(Settings(tracing="otlp"))


async def test_a_case_is_traced_from_the_door_to_the_activity(
    ts_env: WorkflowEnvironment, clean_db: str
) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    client = Client(
        ts_env.client.service_client,
        namespace=ts_env.client.namespace,
        data_converter=CONVERTER,
        interceptors=[TracingInterceptor(provider.get_tracer(__name__))],
    )
    queue = f"trace-{uuid.uuid4().hex}"
    case = new_case_id()
    pool = await create_pool(clean_db)
    try:
        async with create_worker(client, queue, pool, DEFAULT_POLICY):
            event = build_event(case, f"{case}-1", "case_opened", datetime.now(UTC))
            assert (await send(client, queue, event)).outcome == "accepted"

            async def seen() -> set[str]:
                return {s.name for s in spans.get_finished_spans()}

            wanted = {
                "SignalWithStartWorkflow:CaseWorkflow",
                "RunWorkflow:CaseWorkflow",
                "StartActivity:persist_case",
                "RunActivity:persist_case",
            }
            await eventually(seen, lambda found: wanted <= found, "the spans")
            await client.get_workflow_handle(f"case-{case}").terminate(reason="test finished")
    finally:
        await pool.close()
    attributes = [v for s in spans.get_finished_spans() for v in (s.attributes or {}).values()]
    assert f"case-{case}" in attributes
    # Ids only: no event data (the municipality and owner of case_opened) in any span.
    assert not [v for v in attributes if isinstance(v, str) and ("sb-" in v or "Norddjurs" in v)]

"""OpenTelemetry tracing, optional (``TRAPPEBRO_TRACING``; ``pip install '.[otel]'``).

``otlp`` sends spans to the collector named by the standard ``OTEL_EXPORTER_OTLP_*``
variables (e.g. ``OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4317``); ``console``
prints them, for trying it out. Spans cover starting, signalling and running workflows and
running activities, named like ``RunActivity:persist_case``; their attributes are workflow
and run ids (pseudonymous case numbers), never payloads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio.client import Interceptor

from infrastructure.config import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

SERVICE_NAME = "trappebro-worker"


class TracingUnavailable(RuntimeError):
    """Tracing asked for, but the OpenTelemetry packages are not installed."""


def tracing_interceptors(settings: Settings) -> list[Interceptor]:
    """The client interceptors that trace (they reach the worker too); none when off."""
    if settings.tracing == "off":
        return []
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from temporalio.contrib.opentelemetry import TracingInterceptor
    except ImportError as err:
        raise TracingUnavailable(
            f"TRAPPEBRO_TRACING={settings.tracing} needs OpenTelemetry: pip install '.[otel]'"
        ) from err
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings.tracing)))
    trace.set_tracer_provider(provider)
    return [TracingInterceptor(provider.get_tracer(__name__))]


def _exporter(mode: str) -> SpanExporter:
    if mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    except ImportError as err:
        raise TracingUnavailable(
            "TRAPPEBRO_TRACING=otlp needs the OTLP exporter: pip install '.[otel]'"
        ) from err
    exporter: SpanExporter = OTLPSpanExporter()
    return exporter

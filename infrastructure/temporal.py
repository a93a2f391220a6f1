"""Temporal client and the search attributes the service needs on its namespace."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, Interceptor
from temporalio.common import SearchAttributeKey
from temporalio.converter import DataConverter
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError, RPCStatusCode

from codec.payloads import data_converter
from infrastructure.config import Settings
from workflows.search_attributes import ALL

log = structlog.get_logger(__name__)


class MissingPayloadKey(RuntimeError):
    """No payload key configured, and plain payloads were not explicitly allowed."""


NO_KEY = (
    "no payload encryption key: set TRAPPEBRO_PAYLOAD_KEYS or TRAPPEBRO_PAYLOAD_KEY_FILE "
    "(scripts/up makes .data/payload-keys), or TRAPPEBRO_PLAINTEXT_PAYLOADS=1 to send "
    "citizens' data in clear on purpose"
)


def service_converter(settings: Settings) -> DataConverter:
    """The one converter every client and worker of the service uses: pydantic JSON with
    the payload codec of ``settings`` (see codec/payloads.py)."""
    if settings.payload_keys is None and not settings.plaintext_payloads:
        raise MissingPayloadKey(NO_KEY)
    if settings.payload_keys is None:
        log.warning("payloads are NOT encrypted (TRAPPEBRO_PLAINTEXT_PAYLOADS=1)")
    return data_converter(settings.payload_keys)


@cache
def service_runtime(metrics_address: str | None = None) -> Runtime:
    """The SDK's Rust core, logging through Python's ``logging`` instead of its own console
    writer, so its lines (workflow task failures quote error messages) are JSON and pass the
    redaction like every other line. With ``metrics_address`` it also serves the SDK's
    metrics and the service's own (observability/metrics.py) for Prometheus there."""
    forward = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    only = TelemetryFilter(core_level="WARN", other_level="ERROR")
    logs = LoggingConfig(filter=only, forwarding=forward)
    metrics = None
    if metrics_address is not None:
        # Prometheus conventions: counters end in _total, durations are in seconds.
        metrics = PrometheusConfig(
            bind_address=metrics_address, counters_total_suffix=True, durations_as_seconds=True
        )
    return Runtime(telemetry=TelemetryConfig(logging=logs, metrics=metrics))


async def connect(
    settings: Settings,
    *,
    payloads: bool = True,
    metrics: bool = False,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """Connect to the namespace in ``settings`` (TLS, mTLS and API key as configured by
    envconfig) with the service's data converter; raises `MissingPayloadKey` first.
    ``payloads=False``: an admin client that sends and reads no payloads needs no key.
    ``metrics=True`` (the worker): serve metrics on ``settings.metrics_address`` if set."""
    needs_key = payloads or settings.payload_keys is not None
    converter = service_converter(settings) if needs_key else data_converter(None)
    runtime = service_runtime(settings.metrics_address if metrics else None)
    return await Client.connect(
        **settings.temporal_connect_config(),
        data_converter=converter,
        runtime=runtime,
        interceptors=interceptors,
    )


async def list_search_attributes(client: Client) -> dict[str, IndexedValueType.ValueType] | None:
    """Custom search attributes of the client's namespace, or ``None`` when the server
    cannot list them (the Java time-skipping test server does not implement the call)."""
    try:
        response = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
    except RPCError as err:
        if err.status == RPCStatusCode.UNIMPLEMENTED:
            return None
        raise
    return dict(response.custom_attributes)


async def register_search_attributes(
    client: Client, keys: Iterable[SearchAttributeKey[Any]] | None = None
) -> list[str]:
    """Register the service's search attributes (default: all of them) on the client's
    namespace; return the names this call added.

    Idempotent and safe to run beside another instance. Lists first and adds only the
    missing ones, because the dev server silently accepts re-adding an existing name even
    with another type; refuses to continue when a name exists with a different type, as
    workflows would then fail to upsert it. Servers that cannot list (the time-skipping
    test server) answer ALREADY_EXISTS for a known name, which counts as present.
    """
    wanted = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
        for key in (ALL if keys is None else keys)
    }
    existing = await list_search_attributes(client)
    if existing is not None:
        wrong = {
            name: (IndexedValueType.Name(existing[name]), IndexedValueType.Name(kind))
            for name, kind in wanted.items()
            if name in existing and existing[name] != kind
        }
        if wrong:
            details = ", ".join(f"{n} is {has}, needs {need}" for n, (has, need) in wrong.items())
            raise RuntimeError(
                f"search attributes on namespace {client.namespace!r} have the wrong type: "
                f"{details}; fix them by hand, they cannot be changed in place"
            )
        missing = [name for name in wanted if name not in existing]
    else:
        missing = list(wanted)

    added: list[str] = []
    # One call per name: an ALREADY_EXISTS for one (a concurrent registration, or a
    # server that cannot list) must not stop the others from being added.
    for name in missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=client.namespace, search_attributes={name: wanted[name]}
                )
            )
        except RPCError as err:
            if err.status == RPCStatusCode.ALREADY_EXISTS:
                continue
            raise
        added.append(name)
    if added:
        log.info("search attributes registered", namespace=client.namespace, added=added)
    return added

"""JSON-lines logging for every process of the service.

structlog renders, the stdlib ``logging`` module routes: libraries (temporalio, asyncpg)
log through stdlib and come out as the same one-object-per-line JSON on stderr as our own
``structlog.get_logger()`` calls, ready for any log shipper.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import Processor

from infrastructure.config import Settings, load_settings
from observability.redact import redact

_HANDLER_NAME = "trappebro-json"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at emit time: test runners swap it, and a
    handler holding the old object would write to a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "INFO") -> None:
    """Send structlog and stdlib logging to stderr as JSON lines at ``level``.

    Every line passes `observability.redact.redact`: no CPR-like number or personal field in
    it. Each line has ``timestamp`` (ISO 8601, UTC), ``level``, ``event``, ``logger`` and any
    context bound with ``structlog.contextvars.bind_contextvars``. Safe to call again (for
    instance with another level): it replaces its own handler instead of adding one.
    """
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}")

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        # Records from stdlib loggers did not pass the chain above; give them the same keys,
        # and keep their `extra=` fields (temporalio puts workflow/activity info there).
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            # Last before rendering, so it sees the traceback text and library records too.
            redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric_level)


def start_with_database(
    log: structlog.typing.FilteringBoundLogger, missing: str
) -> tuple[Settings, str] | None:
    """What a process that needs PostgreSQL does first: read the settings, log as they say;
    the settings and DATABASE_URL, or None (and `missing` logged) without it."""
    settings = load_settings()
    configure_logging(settings.log_level)
    if settings.database_url is None:
        log.error(missing)
        return None
    return settings, settings.database_url

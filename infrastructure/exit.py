"""Process exit that the Temporal SDK cannot turn into a crash.

temporalio 1.35's Rust core can still hold Python thread states while the interpreter
finalises, which aborts the process ("Fatal Python error: PyGILState_Release", exit 134)
after the program has already finished. Entry points therefore end with ``os._exit``:
nothing runs after the real status is known, so that status is the one the caller sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn


def _flush(stream: object) -> None:
    flush = getattr(stream, "flush", None)
    if flush is None:
        return
    # A closed or broken stream (e.g. a pipe whose reader left) must not change the status.
    with contextlib.suppress(OSError, ValueError):
        flush()


def hard_exit(status: int) -> NoReturn:
    """Flush output and logging, then end the process at once with ``status``.

    ``os._exit`` skips atexit handlers and interpreter finalisation on purpose (see the
    module doc). Callers must have released resources that need an orderly stop.
    """
    # The original streams too: a test runner or redirect may have swapped sys.stdout.
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        _flush(stream)
    with contextlib.suppress(Exception):
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        _flush(stream)
    # The OS keeps the low 8 bits only: a failure like 256 must not turn into success.
    code = status & 0xFF
    os._exit(1 if status != 0 and code == 0 else code)


def exit_status(exc: SystemExit) -> int:
    """The status ``sys.exit(code)`` would give, printing a string code like Python does."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run_main(main: Callable[[], int]) -> NoReturn:
    """Run ``main`` and end the process with its status via ``hard_exit``.

    A failure is never hidden: an unexpected exception prints its traceback and gives 1,
    Ctrl-C gives the conventional 130.
    """
    try:
        # Treated exactly like sys.exit(main()), so an untyped main returning None is 0.
        status = exit_status(SystemExit(main()))
    except SystemExit as exc:
        status = exit_status(exc)
    except KeyboardInterrupt:
        status = 130
    except BaseException:
        traceback.print_exc(file=sys.stderr)
        status = 1
    hard_exit(status)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT: how every long-running entry point learns to stop
    (call it inside the running loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop

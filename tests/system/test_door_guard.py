"""Findings 3, 4, 7 and 8 of the attack, on a real door over real sockets: malformed
requests answered in JSON and never logged with their Authorization header; bodies read
only after authentication and within a read timeout; a connection limit; a signature from
the future allowed only a small skew; strict UTF-8 and no duplicate keys."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from aiohttp import web
from temporalio.testing import WorkflowEnvironment

from doors.auth import FUTURE_SKEW, AuthFailure, signed
from doors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, build_app
from infrastructure.http_guard import GuardedRunner
from testkit.door import CONFIG, SIGNING, TOKEN, signed_headers

READ_TIMEOUT = 1.0
LIMIT = 4


@dataclass
class Site:
    port: int
    records: list[str]


class _Capture(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(logging.Formatter().format(record))


@pytest.fixture
async def site(dev_env: WorkflowEnvironment) -> AsyncIterator[Site]:
    app = build_app(dev_env.client, "guard-unused", replace(CONFIG, read_timeout=1))
    runner = GuardedRunner(app, limit=LIMIT, read_timeout=READ_TIMEOUT)
    records: list[str] = []
    capture = _Capture(records)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    try:
        yield Site(runner.addresses[0][1], records)
    finally:
        await runner.cleanup()
        root.removeHandler(capture)
        root.setLevel(old_level)


async def exchange(port: int, *chunks: bytes, pause: float = 0.0) -> bytes:
    """Send raw bytes (pausing between chunks) and read the answer until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            if pause:
                await asyncio.sleep(pause)
        return await asyncio.wait_for(reader.read(), 10)
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


def answer(raw: bytes) -> tuple[int, str, dict[str, object]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    content_type = next(
        (
            line.split(b":", 1)[1].strip().decode()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-type:")
        ),
        "",
    )
    return status, content_type, json.loads(body)


def post(body: bytes, *headers: str, length: int | None = None) -> bytes:
    lines = [
        "POST /events HTTP/1.1",
        "Host: door",
        "Content-Type: application/json",
        f"Content-Length: {len(body) if length is None else length}",
        *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


MALFORMED = [
    f"Authorization: Bearer {TOKEN}\r\nX-Bad header: 1",
    f"Authorization: Bearer {TOKEN}\x01\r\n",
    f"Authorization Bearer {TOKEN}",
    f"Authorization: Bearer {TOKEN}\r\n Folded: line",
    f"Authorization: Bearer {TOKEN}{'x' * 9000}",
]


@pytest.mark.parametrize("bad", MALFORMED)
async def test_a_malformed_header_is_answered_in_json_and_its_token_never_logged(
    site: Site, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = (
        f"POST /events HTTP/1.1\r\nHost: door\r\n{bad}\r\nContent-Length: 2\r\n\r\n{{}}"
    ).encode()
    status, content_type, body = answer(await exchange(site.port, raw))
    assert status == 400 and content_type.startswith("application/json")
    assert body == {"error": "malformed request"}
    out, err = capsys.readouterr()
    logged = "\n".join([*site.records, out, err])
    assert "malformed request refused" in logged
    assert TOKEN not in logged and TOKEN[:12] not in logged


async def head_only(port: int, request: bytes) -> bytes:
    """The answer to a request whose announced body is never sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return head + await reader.readexactly(length)
    finally:
        writer.close()


async def test_an_unauthenticated_body_is_never_read(site: Site) -> None:
    """Refused while the body it announces has not been sent."""
    status, _, body = answer(await head_only(site.port, post(b"", length=50_000)))
    assert status == 401 and "Authorization" in str(body["error"])
    wrong = post(b"", "Authorization: Bearer not-a-known-token-at-all", length=50_000)
    status, _, body = answer(await head_only(site.port, wrong))
    assert status == 401 and "unknown token" in str(body["error"])
    stale = post(
        b"",
        f"{TIMESTAMP_HEADER}: {int(time.time()) - 3600}",
        f"{SIGNATURE_HEADER}: sha256=00",
        length=50_000,
    )
    status, _, body = answer(await head_only(site.port, stale))
    assert status == 401 and "window" in str(body["error"])


async def test_a_body_sent_slowly_is_cut_off_at_the_read_timeout(site: Site) -> None:
    started = time.monotonic()
    head = post(b"", f"Authorization: Bearer {TOKEN}", length=100)
    status, _, body = answer(await exchange(site.port, head, b"[", b"{", pause=0.3))
    assert status == 408 and "within" in str(body["error"])
    assert time.monotonic() - started < 4 * READ_TIMEOUT


async def test_headers_sent_a_byte_at_a_time_lose_the_connection(site: Site) -> None:
    started = time.monotonic()
    raw = await exchange(
        site.port, *(bytes([b]) for b in b"POST /events HTTP/1.1\r\nHost: d"), pause=0.3
    )
    assert raw == b"" or not raw.startswith(b"HTTP/1.1 2")
    assert time.monotonic() - started < 6 * READ_TIMEOUT


async def test_connections_over_the_limit_are_refused_in_json(site: Site) -> None:
    held = [await asyncio.open_connection("127.0.0.1", site.port) for _ in range(LIMIT)]
    try:
        status, _, body = answer(await exchange(site.port, b"GET /health HTTP/1.1\r\n\r\n"))
        assert status == 503 and "too many connections" in str(body["error"])
    finally:
        for _, writer in held:
            writer.close()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('{"type": "case_opened"}'.encode("utf-16"), "byte-order mark"),
        ('{"type": "case_opened"}'.encode("utf-16-le"), "not valid JSON"),
        (b'{"reason": "\xff"}', "not UTF-8"),
        ('{"type": "case_opened"}'.encode("utf-32"), "byte-order mark"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b'{"type": "case_opened", "type": "case_closed"}', "duplicate keys"),
        (b'[{"data": {"a": 1, "a": 2}}]', "duplicate keys"),
    ],
)
async def test_only_strict_utf8_json_without_duplicate_keys(
    site: Site, body: bytes, why: str
) -> None:
    raw = await exchange(site.port, post(body, f"Authorization: Bearer {TOKEN}"))
    status, _, answered = answer(raw)
    assert status == 400 and why in str(answered["error"])


def test_a_signature_from_the_future_gets_only_a_small_skew() -> None:
    from doors.auth import parse_secrets, signature

    keys = parse_secrets(f"case-system:{SIGNING}", "test")
    now = 1_800_000_000.0
    for ahead, ok in ((FUTURE_SKEW, True), (FUTURE_SKEW + 1, False), (300, False)):
        stamp = str(int(now) + ahead)
        given = signature(SIGNING, stamp, b"{}")
        if ok:
            assert signed(stamp, given, b"{}", keys, now, 300) == "case-system"
        else:
            with pytest.raises(AuthFailure, match="ahead"):
                signed(stamp, given, b"{}", keys, now, 300)
    assert FUTURE_SKEW <= 60
    assert signed_headers(b"{}")  # the helper the door tests sign with still works


def test_log_lines_never_carry_credentials() -> None:
    """Whatever quotes a request (a library's own message, a traceback), the last processor
    before every log line drops the credential and keeps the rest."""
    from observability.redact import SECRET, redact

    line = dict(
        redact(
            None,
            "error",
            {
                "event": f"Invalid header: b'Authorization: Bearer {TOKEN}\\x01'",
                "exception": f"BadHttpMessage: 400, message: Authorization: bearer {TOKEN}",
                "Authorization": f"Bearer {TOKEN}",
                "problem": "missing signature or timestamp header",
            },
        )
    )
    assert TOKEN not in json.dumps(line)
    assert line["event"].startswith("Invalid header: b'Authorization: Bearer [secret]")
    assert line["Authorization"] == SECRET
    assert line["problem"] == "missing signature or timestamp header"

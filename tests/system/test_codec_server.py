"""The codec server as the Web UI and the CLI call it: the real process on a real port."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from codec.payloads import EncryptionCodec
from doors.codec_server import REFUSED_PLAIN
from testkit.common import child_process, free_port
from testkit.keys import KEYS, keys_env

UI = "http://ui.example:8233"
ALICE = "alice-token-0123456789abcdef"
UI_TOKEN = "web-ui-token-0123456789abcdef"
SECRET = "Restriktion ZQXCODEC"


@dataclass
class CodecServer:
    url: str
    proc: asyncio.subprocess.Process
    log: Path

    def lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CodecServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("codec") / "stderr.txt"
    env = {
        **os.environ,
        **keys_env(),
        "TRAPPEBRO_CODEC_TOKENS": f"alice:{ALICE},web-ui:{UI_TOKEN}",
        "TRAPPEBRO_CODEC_UI_ORIGIN": UI,
        "TRAPPEBRO_CODEC_PORT": str(port),
        "TRAPPEBRO_CODEC_ENCODERS": "alice",
    }
    async with child_process(["-m", "doors.codec_server"], env, log, "listening") as proc:
        yield CodecServer(f"http://127.0.0.1:{port}", proc, log)


async def _sealed(workflow: str | None = None) -> str:
    payload = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(SECRET).encode())
    sealed = await EncryptionCodec(KEYS, workflow).encode([payload])
    return json_format.MessageToJson(Payloads(payloads=sealed))


def _decoded(body: str) -> list[bytes]:
    return [p.data for p in json_format.Parse(body, Payloads()).payloads]


async def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str, Mapping[str, str]]:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status, await r.text(), dict(r.headers)


UI_HEADERS = {"Origin": UI, "Content-Type": "application/json", "X-Namespace": "default"}


async def test_preflight_answers_the_ui_origin_only(server: CodecServer) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    async with aiohttp.ClientSession() as http:
        async with http.options(f"{server.url}/decode", headers={"Origin": UI, **asked}) as r:
            assert r.status == 204
            assert r.headers["Access-Control-Allow-Origin"] == UI
            allowed = {
                h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")
            }
            assert {"authorization", "content-type", "x-namespace"} <= allowed
            assert "POST" in r.headers["Access-Control-Allow-Methods"]
        evil = {"Origin": "http://evil.example", **asked}
        async with http.options(f"{server.url}/decode", headers=evil) as r:
            assert r.status == 403
            assert "Access-Control-Allow-Origin" not in r.headers


async def test_decode_with_a_token_and_not_without(server: CodecServer) -> None:
    body = await _sealed()
    headers = {**UI_HEADERS, "X-Workflow-Id": "case-K-2026-codec"}
    status, text, answer = await _post(
        f"{server.url}/decode", body, {**headers, "Authorization": f"Bearer {ALICE}"}
    )
    assert status == 200, text
    assert answer["Access-Control-Allow-Origin"] == UI
    assert _decoded(text) == [json.dumps(SECRET).encode()]

    for auth in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": ALICE}):
        status, text, answer = await _post(f"{server.url}/decode", body, {**headers, **auth})
        assert status == 401, text
        assert SECRET not in text
        assert "error" in json.loads(text)
        assert answer["WWW-Authenticate"].startswith("Bearer")


async def test_a_wrong_origin_is_refused_even_with_a_token(server: CodecServer) -> None:
    headers = {**UI_HEADERS, "Origin": "http://evil.example", "Authorization": f"Bearer {ALICE}"}
    status, text, answer = await _post(f"{server.url}/decode", await _sealed(), headers)
    assert status == 403
    assert SECRET not in text
    assert "Access-Control-Allow-Origin" not in answer


async def test_the_ui_token_in_the_endpoint_path(server: CodecServer) -> None:
    # What the dev stack configures: the UI cannot send a header, so its endpoint carries it.
    status, text, _ = await _post(f"{server.url}/{UI_TOKEN}/decode", await _sealed(), UI_HEADERS)
    assert status == 200, text
    status, _, _ = await _post(f"{server.url}/not-a-token-at-all/decode", "{}", UI_HEADERS)
    assert status == 401


async def test_encode_then_decode_and_bad_bodies(server: CodecServer) -> None:
    auth = {**UI_HEADERS, "Authorization": f"Bearer {ALICE}"}
    plain = json_format.MessageToJson(Payloads(payloads=[Payload(data=b'"x"')]))
    status, sealed, _ = await _post(f"{server.url}/encode", plain, auth)
    assert status == 200
    assert b'"x"' not in b"".join(_decoded(sealed))
    status, text, _ = await _post(f"{server.url}/decode", sealed, auth)
    assert (status, _decoded(text)) == (200, [b'"x"'])
    for bad in ("not json", '{"payloads": 3}', "\xff"):
        status, text, _ = await _post(f"{server.url}/decode", bad, auth)
        assert status == 400, text
        assert "Traceback" not in text
    status, text, _ = await _post(f"{server.url}/other", plain, auth)
    assert status == 404


async def test_the_access_log_says_who_decoded_which_workflow(server: CodecServer) -> None:
    """The workflow comes from the payload's authenticated metadata: a caller's header
    claiming another, or none (the Web UI), changes nothing."""
    headers = {**UI_HEADERS, "Authorization": f"Bearer {ALICE}", "X-Workflow-Id": "case-K-lie"}
    await _post(f"{server.url}/decode", await _sealed("case-K-log"), headers)
    await _post(
        f"{server.url}/decode",
        await _sealed("case-K-log"),
        UI_HEADERS | {"Authorization": "Bearer x"},
    )
    await asyncio.sleep(0.2)
    lines = [line for line in server.lines() if line.get("logger") == "trappebro.codec.access"]
    decoded = [line for line in lines if line.get("workflow_ids") == ["case-K-log"]]
    assert {
        "event": "payloads decoded",
        "principal": "alice",
        "namespace": "default",
        "count": 1,
    }.items() <= decoded[0].items()
    assert not [line for line in lines if "case-K-lie" in json.dumps(line)]
    refused = [line for line in lines if line.get("problem") == "unknown token"][-1]
    assert refused["event"] == "codec request refused"
    assert "principal" not in refused
    everything = server.log.read_text()
    assert ALICE not in everything and UI_TOKEN not in everything
    assert "ZQXCODEC" not in everything


async def test_a_relabelled_workflow_id_fails_its_check(server: CodecServer) -> None:
    sealed = json.loads(await _sealed("case-K-real"))
    forged = base64.b64encode(b"case-K-other").decode()
    sealed["payloads"][0]["metadata"]["encryption-workflow-id"] = forged
    auth = {**UI_HEADERS, "Authorization": f"Bearer {ALICE}"}
    status, text, _ = await _post(f"{server.url}/decode", json.dumps(sealed), auth)
    assert status == 422 and SECRET not in text


async def test_encode_only_for_encoders_plain_refused_and_every_refusal_logged(
    server: CodecServer,
) -> None:
    plain = json_format.MessageToJson(Payloads(payloads=[Payload(data=b'"x"')]))
    ui = {**UI_HEADERS, "Authorization": f"Bearer {UI_TOKEN}"}
    status, text, _ = await _post(f"{server.url}/encode", plain, ui)
    assert status == 403 and "may not encode" in text
    alice = {**UI_HEADERS, "Authorization": f"Bearer {ALICE}"}
    mixed = json.loads(await _sealed("case-K-mixed"))
    mixed["payloads"].append(json.loads(plain)["payloads"][0])
    status, text, _ = await _post(f"{server.url}/decode", json.dumps(mixed), alice)
    assert status == 200
    assert _decoded(text) == [json.dumps(SECRET).encode(), REFUSED_PLAIN.data]
    status, _, _ = await _post(f"{server.url}/decode", "not json", alice)
    assert status == 400
    status, _, _ = await _post(f"{server.url}/decode", "x" * (9 * 1024 * 1024), alice)
    assert status == 413
    await asyncio.sleep(0.2)
    problems = [
        line.get("problem")
        for line in server.lines()
        if line.get("event") in ("codec request refused", "plain payloads refused")
    ]
    assert "this principal may not encode" in problems
    assert "not encrypted" in problems
    assert 'body must be {"payloads": [...]} in protobuf JSON' in problems
    assert any("Too Large" in str(p) or "too large" in str(p).lower() for p in problems), problems

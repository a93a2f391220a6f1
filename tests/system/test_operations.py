"""Operations on the real worker process: its health endpoint, the SDK's and the service's
own Prometheus metrics, and the dashboard and alerts in deploy/ naming only metrics it
exports. One worker.py runs against the dev server and a PostgreSQL database of its own,
through a scenario that makes every panel's metric appear: a case escalating to stalled,
a refused event, a daily digest, a PostgreSQL outage (activities fail, readiness drops and
comes back, the event is persisted after), and a workflow task that fails.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest
import yaml
from promql_parser import parse
from temporalio.testing import WorkflowEnvironment

from doors.ingest import send
from infrastructure.postgres import migrate
from observability.metrics import EXPORTED
from testkit.builders import build_event, new_case_id, write_policy
from testkit.common import create_database, drop_database
from testkit.ops import WorkerProcess, running_worker
from testkit.paths import REPO_ROOT
from testkit.waiting import eventually
from workflows.case_payloads import Delivery
from workflows.digest_payloads import DIGEST_WORKFLOW, DigestResult

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "dashboards" / "trappebro.json"
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\b(?:temporal|trappebro)_[a-zA-Z0-9_]+")
# Synthesised by Prometheus for every scrape target; no process exports it.
PROMETHEUS_OWN = {"up"}
WAIT = 60.0


@dataclass
class Exercised:
    worker: WorkerProcess
    metrics: str
    ready_during_outage: tuple[int, str]
    ready_after: tuple[int, str]
    case_events: int

    def samples(self, name: str) -> list[tuple[dict[str, str], float]]:
        """(labels, value) of every sample of ``name`` in the last scrape."""
        found = []
        for line in self.metrics.splitlines():
            match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
            if match:
                labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
                found.append((labels, float(match.group(2))))
        return found


def exported_names(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1].isalpha()}


async def _outage(url: str, name: str, on: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if on else "true"}')
        if on:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
    finally:
        await conn.close()


async def _count(url: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def exercised(
    dev_env: WorkflowEnvironment, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Exercised]:
    folder = tmp_path_factory.mktemp("ops")
    url = await create_database(pg_admin_url, "trappebro_ops")
    name = unquote(urlsplit(url).path.lstrip("/"))
    await migrate(url)
    policy = write_policy(
        folder, JOB_GOAL_TALK="1 seconds", level_2_after="1 seconds", level_3_after="1 seconds"
    )
    client = dev_env.client
    try:
        async with running_worker(dev_env, url, folder, policy) as worker:
            case = new_case_id()
            now = datetime.now(UTC)
            opened = await send(
                client, worker.queue, build_event(case, f"{case}-1", "case_opened", now)
            )
            assert opened.outcome == "accepted", opened
            resumed = build_event(case, f"{case}-2", "case_resumed", now)
            assert (await send(client, worker.queue, resumed)).outcome == "refused"
            stalled_rows = "SELECT count(*) FROM outbox WHERE kind = 'escalation' AND case_id = $1"
            await eventually(
                lambda: _count(url, stalled_rows, case), lambda n: n == 3, "level 3", WAIT
            )

            digest = await client.execute_workflow(
                DIGEST_WORKFLOW,
                id=f"digest-{uuid.uuid4().hex}",
                task_queue=worker.queue,
                result_type=DigestResult,
                execution_timeout=timedelta(seconds=WAIT),
            )
            assert digest.written >= 1, digest

            # PostgreSQL goes away: the event's activity fails and retries, readiness drops.
            await _outage(pg_admin_url, name, on=True)
            talk = build_event(case, f"{case}-3", "job_goal_talk_held", datetime.now(UTC))
            await client.get_workflow_handle(f"case-{case}").signal("event", Delivery(event=talk))
            during = await eventually(
                lambda: worker.get(worker.health_url + "/readyz"),
                lambda r: r[0] == 503,
                "503",
                WAIT,
            )
            await eventually(
                worker.metrics,
                lambda t: "temporal_activity_execution_failed_total" in t,
                "a failure",
                WAIT,
            )
            await _outage(pg_admin_url, name, on=False)
            logged = "SELECT count(*) FROM case_event WHERE case_id = $1"
            events = await eventually(
                lambda: _count(url, logged, case), lambda n: n == 2, "persisted", WAIT
            )
            after = await eventually(
                lambda: worker.get(worker.health_url + "/readyz"),
                lambda r: r[0] == 200,
                "200",
                WAIT,
            )

            # A workflow whose input cannot be read: its workflow task fails (and retries).
            broken = await client.start_workflow(
                "CaseWorkflow",
                {"case_id": 5},
                id=f"case-broken-{uuid.uuid4().hex}",
                task_queue=worker.queue,
            )
            failed = "temporal_workflow_task_execution_failed_total"
            text = await eventually(worker.metrics, lambda t: failed in t, "a task failure", WAIT)
            await broken.terminate(reason="test finished")
            await client.get_workflow_handle(f"case-{case}").terminate(reason="test finished")
            yield Exercised(worker, text, during, after, events)
    finally:
        await drop_database(pg_admin_url, url)


async def test_health_says_live_and_ready_and_names_what_is_down(exercised: Exercised) -> None:
    worker = exercised.worker
    assert await worker.get(worker.health_url + "/livez") == (200, '{"status": "ok"}')
    status, body = exercised.ready_during_outage
    assert status == 503 and json.loads(body)["postgres"] != "ok", body
    assert json.loads(body)["temporal"] == "ok", body
    status, body = exercised.ready_after
    assert (status, json.loads(body)) == (
        200,
        {"status": "ok", "worker": "polling", "temporal": "ok", "postgres": "ok"},
    )
    assert exercised.case_events == 2  # nothing lost in the outage


async def test_business_metrics_count_escalations_refusals_and_cases(exercised: Exercised) -> None:
    escalations = {
        (labels["level"], labels["department"], labels["stage"]): value
        for labels, value in exercised.samples("trappebro_escalations_total")
    }
    assert escalations == {
        ("1", "sick_leave", "JOB_GOAL_TALK"): 1,
        ("2", "sick_leave", "JOB_GOAL_TALK"): 1,
        ("3", "sick_leave", "JOB_GOAL_TALK"): 1,
    }
    refused = [
        (labels["field"], labels["reason"], value)
        for labels, value in exercised.samples("trappebro_events_refused_total")
    ]
    assert refused == [("type", "case is not paused", 1)]
    stages = {labels["stage"] for labels, _ in exercised.samples("trappebro_cases")}
    assert stages == {"JOB_GOAL_TALK", "CV_READINESS", "HANDOVER", "MATCHING", "PLACEMENT"}
    assert sum(v for _, v in exercised.samples("trappebro_digests_total")) >= 1


async def test_labels_carry_no_case_numbers_or_staff_ids(exercised: Exercised) -> None:
    values = set(re.findall(r'="([^"]*)"', exercised.metrics))
    assert not [v for v in values if v.startswith(("K-", "case-", "sb-"))]


async def test_the_worker_exports_every_name_the_service_promises(exercised: Exercised) -> None:
    assert set(EXPORTED) <= exported_names(exercised.metrics)


def _dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]]


def _alert_queries() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [r["expr"] for group in rules["groups"] for r in group["rules"]]


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
async def test_dashboard_and_alerts_name_only_exported_metrics(
    exercised: Exercised, source: str
) -> None:
    queries = _dashboard_queries() if source == "dashboard" else _alert_queries()
    assert queries
    for query in queries:
        parse(query.replace("$__rate_interval", "5m"))  # valid PromQL
    named = {name for q in queries for name in METRIC.findall(q)}
    missing = named - exported_names(exercised.metrics)
    assert missing == set(), f"{source} names metrics the worker does not export: {missing}"
    if source == "alerts":
        bare = {w for q in queries for w in re.findall(r"\b(\w+)\{", q)} - named
        assert bare <= PROMETHEUS_OWN

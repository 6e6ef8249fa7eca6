"""docker-compose.yml and the Dockerfile, checked statically: no Docker engine runs on these machines.

What compose would find wrong at start is checked here instead: the services and
how they depend on each other, that workers scale, that every mounted file exists
and parses, that the workers' settings validate, and that Prometheus' config passes promtool.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from badbuzz.streams import topics
from badbuzz.streams.config import Settings
from tests.deploy.promql import PROMETHEUS_CONFIG, ROOT, promtool
from tests.layout import PACKAGE_DIRS

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def resolved(value: object) -> str:
    """A compose value with ``${VAR:-default}`` as compose resolves it with VAR unset."""
    return DEFAULTED.sub(lambda match: match.group(2), str(value))


def environment(service: str) -> dict[str, str]:
    return {name: resolved(value) for name, value in SERVICES[service].get("environment", {}).items()}


def test_the_services_are_kafka_its_topics_workers_a_simulator_prometheus_and_grafana():
    assert set(SERVICES) == {"kafka", "kafka-init", "worker", "simulator", "prometheus", "grafana"}
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert SERVICES["kafka-init"]["image"] == SERVICES["kafka"]["image"]
    for service in ("worker", "simulator"):
        assert SERVICES[service]["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert SERVICES["kafka-init"]["depends_on"]["kafka"]["condition"] == "service_healthy"


def test_kafka_runs_in_kraft_mode():
    env = environment("kafka")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert not any("ZOOKEEPER" in name for name in env)
    listeners = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert listeners["PLAINTEXT"] == "kafka:9092"
    assert environment("worker")["BADBUZZ_BROKER_URL"] == "kafka://kafka:9092"


def test_topics_are_created_with_the_workers_partition_count():
    command = "\n".join(SERVICES["kafka-init"]["command"])
    # The workers' receivers: the console, on by default (with a Slack token, Faust creates Slack's topic).
    for name in topics.all_topics(["console"]):
        assert re.search(rf"(^|\s){re.escape(name)}(\s|;|$)", command), f"{name} is not created"
    assert '--partitions "$$PARTITIONS"' in command
    partitions = environment("kafka-init")["PARTITIONS"]
    assert partitions == environment("worker")["BADBUZZ_PARTITIONS"] == environment("simulator")["BADBUZZ_PARTITIONS"]
    assert int(partitions) >= 3, "enough partitions for `--scale worker=3`"


def test_workers_scale_and_prometheus_finds_every_replica():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker, "a fixed name or host port forbids --scale"
    port = environment("worker")["BADBUZZ_WEB_PORT"]
    assert worker["expose"] == [port]
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "badbuzz"]
    assert job["metrics_path"] == "/metrics"
    assert job["dns_sd_configs"] == [{"names": ["worker"], "type": "A", "port": int(port), "refresh_interval": "15s"}]


@pytest.mark.parametrize("service", ["worker", "simulator"])
def test_the_badbuzz_settings_of_the_services_are_valid(service, monkeypatch):
    for name in [name for name in __import__("os").environ if name.startswith("BADBUZZ_")]:
        monkeypatch.delenv(name)
    for name, value in environment(service).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.brands == ("nuvola", "velocia", "cafe-lumen", "oceane-air")
    assert settings.bootstrap_servers == ["kafka:9092"]


def test_the_simulator_streams_a_crisis_about_a_configured_brand():
    command = SERVICES["simulator"]["command"]
    assert command[0] == "simulate"
    brand = command[command.index("--crisis-brand") + 1]
    assert brand in environment("simulator")["BADBUZZ_BRANDS"].split(",")


def bind_mounts() -> list[tuple[str, Path, str]]:
    mounts = []
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source, target, *_ = volume.split(":")
            if source.startswith("."):
                mounts.append((name, ROOT / source, target))
    return mounts


def test_every_mounted_file_exists_and_parses():
    mounts = bind_mounts()
    assert {service for service, _, _ in mounts} == {"prometheus", "grafana"}
    for _, source, _ in mounts:
        assert source.exists(), source
        files = [source] if source.is_file() else [path for path in source.rglob("*") if path.is_file()]
        assert files, f"{source} is empty"
        for path in files:
            if path.suffix in (".yml", ".yaml"):
                assert yaml.safe_load(path.read_text()) is not None, path
            elif path.suffix == ".json":
                json.loads(path.read_text())
    named = {volume.split(":")[0] for service in SERVICES.values() for volume in service.get("volumes", [])}
    assert {name for name in named if not name.startswith(".")} == set(COMPOSE["volumes"])


def test_grafana_and_prometheus_find_their_files_where_they_are_mounted():
    mounted = {target: source for _, source, target in bind_mounts()}
    command = SERVICES["prometheus"]["command"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in command
    assert mounted["/etc/prometheus"] == PROMETHEUS_CONFIG.parent
    grafana = environment("grafana")
    provider = yaml.safe_load((mounted["/etc/grafana/provisioning"] / "dashboards" / "badbuzz.yml").read_text())
    dashboards = provider["providers"][0]["options"]["path"]
    assert mounted[dashboards].is_dir()
    home = grafana["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (mounted[dashboards] / Path(home).relative_to(dashboards)).is_file()
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"], "a documented default admin password"


def test_the_prometheus_config_passes_promtool():
    result = promtool("check", "config", PROMETHEUS_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_slim_python_311_running_as_a_user():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert f"EXPOSE {environment('worker')['BADBUZZ_WEB_PORT']}" in instructions
    assert instructions[-2:] == ['ENTRYPOINT ["badbuzz"]', 'CMD ["worker"]']
    # Every COPY source gets past .dockerignore, which keeps out the rest (tests, .git, venvs).
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert ignore[0] == "*"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for line in instructions:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert source.rstrip("/") in allowed, source
                assert (ROOT / source).exists(), source


def test_the_image_copies_every_part_of_the_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    folders = sorted(set(PACKAGE_DIRS.values()))
    assert [folder for folder in folders if f"COPY {folder} ./{folder}" not in dockerfile] == []

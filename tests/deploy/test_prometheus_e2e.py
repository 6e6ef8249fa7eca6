"""A real Prometheus scrapes a real worker through a compressed crisis; every dashboard and rule query returns data.

Debian's ``prometheus`` package (``.ci/run`` installs it) runs with the repo's own
scrape config and rules, scraping every second; the worker counts 3-second windows,
so a crisis opens and resolves an incident within a minute. Then every PromQL
expression of the dashboards and the alerting rules is evaluated over the test's
time range, as Grafana would: a panel that shows nothing fails the test.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client import CONTENT_TYPE_LATEST

from badbuzz.streams.tooling.broker import free_port
from badbuzz.streams.tooling.feed import MentionProducer, simulate
from badbuzz.streams.tooling.processes import spawn, stop
from badbuzz.streams.tooling.simulator import Brand, Crisis, MentionSimulator, utc_now
from badbuzz.streams.topics import MENTIONS
from tests.conftest import wait_for
from tests.deploy.promql import (
    LABEL_VALUES,
    PROMETHEUS_CONFIG,
    RULES,
    Query,
    binary,
    dashboard_queries,
    dashboard_variables,
    measures,
    rule_queries,
    substitute,
)

SCRAPE_SECONDS = 1
WINDOW_SECONDS = 3
#: Windows of history before the live stream: more than the detector's grace period (30).
HISTORY_WINDOWS = 40
BRANDS = (Brand("acme", peak_per_minute=600, french=0.6), Brand("globex", peak_per_minute=400, french=0.3))
CRISIS_BRAND = "acme"

#: Queries that return data only once the pipeline has the stages they watch (sentiment
#: enrichment, the negative signals). Remove an entry when its stage is wired: the test
#: fails while an entry here returns data, so the list cannot go stale.


class Prometheus:
    """``prometheus`` on a free loopback port, with the repo's config pointed at one worker."""

    def __init__(self, workdir: Path, worker_port: int) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
        config["global"].update(scrape_interval=f"{SCRAPE_SECONDS}s", evaluation_interval=f"{SCRAPE_SECONDS}s")
        config["rule_files"] = [str(path) for path in RULES]
        (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "badbuzz"]
        del job["dns_sd_configs"]
        job["static_configs"] = [{"targets": [f"127.0.0.1:{worker_port}"]}]
        config["scrape_configs"] = [job]
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen | None = None

    def start(self) -> Prometheus:
        with (self.workdir / "prometheus.log").open("ab") as log:
            self.process = spawn(
                [
                    binary("prometheus"),
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._ready, timeout=30, what="Prometheus to be ready")
        return self

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def api(self, path: str, **params: str | float | list[str]) -> object:
        query = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=30) as response:
                body = json.load(response)
        except urllib.error.HTTPError as error:
            body = json.load(error)
        assert body["status"] == "success", f"{path} {params}: {body.get('error')}"
        return body["data"]

    def query_range(self, expr: str, start: float, end: float) -> list[dict]:
        data = self.api("query_range", query=expr, start=start, end=end, step=SCRAPE_SECONDS)
        assert data["resultType"] == "matrix"
        return data["result"]

    def has_data(self, expr: str) -> bool:
        return bool(self.api("query", query=expr)["result"])

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def with_data(series: list[dict]) -> list[dict]:
    """Series with at least one finite value: what a panel draws (NaN draws nothing)."""
    return [s for s in series if any(math.isfinite(float(value)) for _, value in s["values"])]


BAD_MESSAGES = (
    b'{"id": "x:1", "brand": "acme", ',
    b'{"id": "x:2", "text": "\xff\xfe"}',
    json.dumps({"id": "x:3", "brand": "acme"}).encode(),
    json.dumps(
        {
            "id": "x:4",
            "brand": "initech",
            "platform": "x",
            "author": {"handle": "a", "followers": 1},
            "text": "not tracked",
            "created_at": "2026-03-02T12:00:00+00:00",
        }
    ).encode(),
)


@pytest.fixture
def prometheus_binary() -> str:
    return binary("prometheus")


def test_every_dashboard_and_rule_query_returns_data_from_a_live_worker(
    prometheus_binary, broker, fake_slack, make_worker, tmp_path
):
    began = time.monotonic()
    worker = make_worker(
        broker,
        BADBUZZ_BRANDS=",".join(brand.name for brand in BRANDS),
        BADBUZZ_WINDOW_SECONDS=str(WINDOW_SECONDS),
        BADBUZZ_LATENESS_SECONDS="1",
        BADBUZZ_RESOLVE_AFTER_SECONDS=str(2 * WINDOW_SECONDS),
        # The default detector learns a day of rhythm before judging; this scenario lasts a minute.
        BADBUZZ_DETECTOR="robust_zscore",
        BADBUZZ_ALERT_SIGNALS="volume,negative_volume",
        SLACK_BOT_TOKEN="xoxb-test-token",
        BADBUZZ_SLACK_CHANNEL="#brand-crisis",
        BADBUZZ_SLACK_BASE_URL=fake_slack.url,
    ).start()
    prometheus = Prometheus(tmp_path, int(worker.env["BADBUZZ_WEB_PORT"])).start()
    try:
        worker.wait_ready()
        start = time.time()
        producer = MentionProducer([broker.url.removeprefix("kafka://")], MENTIONS)
        for raw in BAD_MESSAGES:
            producer.send_raw(raw)
        crisis = Crisis(
            brand=CRISIS_BRAND,
            starts_at=utc_now() + timedelta(seconds=6),
            minutes=0.25,
            peak_per_minute=3000,
            ramp_seconds=3,
        )
        # History at once (the detectors' baseline), then live mentions second by second
        # up to the crisis' peak; then silence, whose empty windows resolve the incident.
        simulate(
            MentionSimulator(brands=BRANDS, crises=(crisis,), seed=11),
            producer,
            history=timedelta(seconds=WINDOW_SECONDS * HISTORY_WINDOWS),
            until=crisis.starts_at + timedelta(minutes=crisis.minutes),
        )
        for raw in BAD_MESSAGES:
            producer.send_raw(raw)
        producer.close()
        wait_for(
            lambda: prometheus.has_data('badbuzz_incidents_resolved_total{signal="volume"} > 0'),
            timeout=60,
            what="Prometheus to see the incident resolved",
        )
        time.sleep(3 * SCRAPE_SECONDS)  # the rules' last evaluation, a last scrape of the gauges
        end = time.time()
        scenario = time.monotonic() - began

        with urllib.request.urlopen(f"http://127.0.0.1:{worker.env['BADBUZZ_WEB_PORT']}/metrics") as response:
            assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
        values = variable_values(prometheus, start, end)
        substitutions = dict(
            rate_interval=f"{4 * SCRAPE_SECONDS}s", range_=f"{math.ceil(end - start)}s", interval=f"{SCRAPE_SECONDS}s"
        )
        queries = dashboard_queries() + rule_queries()
        failures = []
        for query in queries:
            expr = substitute(query.expr, values, **substitutions)
            failures += check(prometheus, query, expr, start, end)
        print(f"{len(queries)} queries; scenario {scenario:.0f} s, whole test {time.monotonic() - began:.0f} s")
        assert not failures, "\n".join(failures)
    finally:
        prometheus.stop()


def variable_values(prometheus: Prometheus, start: float, end: float) -> dict[str, str]:
    """Each dashboard variable's options, from Prometheus, as Grafana would list them; the crisis brand for $brand."""
    values: dict[str, str] = {}
    for board, name, query in dashboard_variables():
        match = LABEL_VALUES.match(query)
        assert match, f"{board} ${name}: {query}"
        selector, label = match.groups()
        options = prometheus.api(f"label/{label}/values", **{"match[]": [selector]}, start=start, end=end)
        assert options, f"{board} ${name} lists nothing: {query}"
        if name == "brand":
            assert set(options) == {brand.name for brand in BRANDS}, options
            values[name] = CRISIS_BRAND
        else:
            values.setdefault(name, "(" + "|".join(options) + ")")
    return values


def check(prometheus: Prometheus, query: Query, expr: str, start: float, end: float) -> list[str]:
    """What is wrong with one query's results, if anything."""
    failures = []
    # Alerts are empty while all is well: their measures must return data; the whole must evaluate.
    parts = measures(expr) if query.alert else [expr]
    if query.alert:
        prometheus.query_range(expr, start, end)
    for part in parts:
        series = with_data(prometheus.query_range(part, start, end))
        if not series:
            failures.append(f"no data: {query.where}: {part}")
            continue
        missing = [s["metric"] for s in series if not query.labels <= set(s["metric"])]
        if missing:
            failures.append(f"series without the labels {sorted(query.labels)}: {query.where}: {missing[:3]}")
    return failures

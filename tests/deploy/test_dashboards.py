"""The provisioned Grafana dashboards, checked without Grafana: structure, datasource, PromQL syntax.

That every query also returns data is proven against a real Prometheus in test_prometheus_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.deploy.promql import (
    DASHBOARDS,
    DATASOURCE_UID,
    DEPLOY,
    LABEL_VALUES,
    dashboard_queries,
    dashboard_variables,
    load_dashboard,
    panels,
    promtool,
    rule_queries,
    substitute,
    variables_of,
)

PROVISIONING = DEPLOY / "grafana" / "provisioning"


def test_there_is_a_dashboard_for_managers_on_call_and_operators():
    boards = {path.stem: load_dashboard(path) for path in DASHBOARDS}
    assert set(boards) == {"brands", "oncall", "pipeline"}
    uids = [board["uid"] for board in boards.values()]
    assert len(set(uids)) == len(uids)
    assert {"brand"} <= {variable["name"] for variable in boards["brands"]["templating"]["list"]}
    annotations = [a for a in boards["brands"]["annotations"]["list"] if "expr" in a]
    assert any("badbuzz_incidents_open" in a["expr"] for a in annotations), "incidents as annotations"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_every_panel_queries_the_provisioned_prometheus(path: Path):
    board = load_dashboard(path)
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    for panel in panels(board):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": DATASOURCE_UID}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target.get("datasource", panel["datasource"])["uid"] == DATASOURCE_UID
            assert target["expr"].strip()
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["w"] > 0 and grid["h"] > 0, panel["title"]
        assert panel.get("description"), f"{panel['title']} explains itself"
    for item in board["annotations"]["list"] + board["templating"]["list"]:
        if "expr" in item or item.get("type") == "query":
            assert item["datasource"]["uid"] == DATASOURCE_UID


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_every_variable_a_query_uses_is_defined(path: Path):
    board = load_dashboard(path)
    defined = {variable["name"] for variable in board["templating"]["list"]}
    used = set()
    for panel in panels(board):
        used |= {name for target in panel.get("targets", []) for name in variables_of(target["expr"])}
        if "repeat" in panel:
            used.add(panel["repeat"])
    for annotation in board["annotations"]["list"]:
        used |= variables_of(annotation.get("expr", ""))
    assert used <= defined, used - defined


def test_variables_are_label_values_queries():
    for board, name, query in dashboard_variables():
        assert LABEL_VALUES.match(query), f"{board} ${name}: {query}"


def test_every_query_is_valid_promql(tmp_path: Path):
    """promtool parses each dashboard query (variables substituted) as a recording rule."""
    queries = dashboard_queries() + rule_queries()
    values = {"brand": "nuvola", "signal": "volume", "instance": "worker:6066"}
    exprs = [substitute(q.expr, values, rate_interval="1m", range_="6h", interval="15s") for q in queries]
    rules = [{"record": f"badbuzz_check:query_{i}", "expr": expr} for i, expr in enumerate(exprs)]
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}))
    result = promtool("check", "rules", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_the_datasource_and_dashboards_are_provisioned():
    datasources = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert [(d["uid"], d["type"], d["url"]) for d in datasources] == [
        (DATASOURCE_UID, "prometheus", "http://prometheus:9090")
    ]
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "badbuzz.yml").read_text())["providers"]
    assert [p["options"]["path"] for p in providers] == ["/etc/grafana/dashboards"]

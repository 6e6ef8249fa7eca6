"""What the deployment's files ask of Prometheus: every PromQL expression of the dashboards and the rules.

Shared by the static checks (syntax, through promtool) and the end-to-end test
(data, through a real Prometheus scraping a real worker).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.layout import ROOT

DEPLOY = ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
RULES = sorted((DEPLOY / "prometheus" / "rules").glob("*.yml"))
RULE_TESTS = sorted((DEPLOY / "prometheus" / "tests").glob("*.yml"))
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))
DATASOURCE_UID = "badbuzz-prometheus"

#: Grafana's own variables, given the values Grafana would use for a short range.
LEGEND_LABEL = re.compile(r"\{\{\s*\$?(?:labels\.)?(\w+)\s*\}\}")
TEMPLATE_LABEL = re.compile(r"\$labels\.(\w+)")
VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)(?::\w+)?\}")
LABEL_VALUES = re.compile(r"^label_values\((?:(.*),\s*)?(\w+)\)$")


def binary(name: str) -> str:
    """A Prometheus tool: skipped where it is not installed, a failure on CI (which installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"`{name}` is not installed (Debian: apt-get install prometheus; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def promtool(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([binary("promtool"), *map(str, args)], capture_output=True, text=True, timeout=60)


@dataclass(frozen=True)
class Query:
    """One PromQL expression, where it comes from, and the labels its text uses (legend, title)."""

    where: str
    expr: str
    labels: frozenset[str] = frozenset()
    #: An alerting rule's expression: empty while nothing is wrong; its measures must return data.
    alert: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.expr}"


def load_dashboard(path: Path) -> dict:
    return json.loads(path.read_text())


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))  # collapsed rows
    return found


def dashboard_queries() -> list[Query]:
    queries = []
    for path in DASHBOARDS:
        board = load_dashboard(path)
        for panel in panels(board):
            for target in panel.get("targets", []):
                labels = frozenset(LEGEND_LABEL.findall(target.get("legendFormat", "")))
                queries.append(Query(f"{path.name} › {panel['title']} › {target['refId']}", target["expr"], labels))
        for annotation in board["annotations"]["list"]:
            if "expr" in annotation:
                text = " ".join(annotation.get(key, "") for key in ("titleFormat", "textFormat"))
                tags = {tag.strip() for tag in annotation.get("tagKeys", "").split(",") if tag.strip()}
                labels = frozenset(LEGEND_LABEL.findall(text)) | tags
                queries.append(Query(f"{path.name} › annotation {annotation['name']}", annotation["expr"], labels))
    return queries


def dashboard_variables() -> list[tuple[str, str, str]]:
    """``(dashboard file, variable name, query)`` of every query variable."""
    found = []
    for path in DASHBOARDS:
        for variable in load_dashboard(path)["templating"]["list"]:
            if variable["type"] == "query":
                query = variable["query"]
                found.append((path.name, variable["name"], query["query"] if isinstance(query, dict) else query))
    return found


def rules() -> list[tuple[str, dict]]:
    return [(path.name, rule) for path in RULES for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]]  # fmt: skip


def rule_queries() -> list[Query]:
    queries = []
    for file, rule in rules():
        name = rule.get("alert") or rule["record"]
        text = " ".join(rule.get("annotations", {}).values())
        labels = frozenset(TEMPLATE_LABEL.findall(text))
        queries.append(Query(f"{file} › {name}", rule["expr"], labels, alert="alert" in rule))
    return queries


def substitute(expr: str, values: dict[str, str], *, rate_interval: str, range_: str, interval: str) -> str:
    """The expression as Grafana sends it, with ``values`` for the dashboard's variables."""
    builtins = {"__rate_interval": rate_interval, "__range": range_, "__interval": interval}

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name in builtins:
            return builtins[name]
        if name not in values:
            raise KeyError(f"no value for ${name} in {expr!r}")
        return values[name]

    return VARIABLE.sub(value, expr)


def variables_of(expr: str) -> set[str]:
    return {a or b for a, b in VARIABLE.findall(expr)} - {"__rate_interval", "__range", "__interval"}


_BINARY = re.compile(r"(==|!=|>=|<=|>|<|\band\b|\bor\b|\bunless\b)(\s+bool\b)?")
_NUMBER = re.compile(r"^[\d.eE+-]+$")


def measures(expr: str) -> list[str]:
    """The parts of an alerting expression that must return data for the alert to mean anything.

    Comparisons with a number and the set operators (``and``, ``or``, ``unless``) are
    split at the top level; ``absent(x)`` stands for ``x``; numbers are dropped.

    >>> measures('sum(rate(a[5m])) == 0 or absent(a)')
    ['sum(rate(a[5m]))', 'a']
    >>> measures('sum by (t) (lag{x!="y"}) > 1000 and sum by (t) (deriv(lag[10m])) > 0')
    ['sum by (t) (lag{x!="y"})', 'sum by (t) (deriv(lag[10m]))']
    """
    parts, depth, start, i, quote = [], 0, 0, 0, None
    while i < len(expr):
        char = expr[i]
        if quote:
            quote = None if char == quote and expr[i - 1] != "\\" else quote
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            match = _BINARY.match(expr, i)
            if match and not (match.group(1) in ("and", "or", "unless") and expr[i - 1 : i].isalnum()):
                parts.append(expr[start:i])
                start = i = match.end()
                continue
        i += 1
    parts.append(expr[start:])
    found = []
    for part in (part.strip() for part in parts):
        if not part or _NUMBER.match(part):
            continue
        absent = re.fullmatch(r"absent(?:_over_time)?\((.*)\)", part, flags=re.S)
        found.append(absent.group(1).strip() if absent else part)
    return found

"""The composition root: importing a module builds nothing, :func:`build` builds a worker from the settings given."""

from __future__ import annotations

import os
import subprocess
import sys

from badbuzz.streams.config import Settings
from badbuzz.streams.pipeline import build
from badbuzz.streams.tooling.broker import free_port
from tests.layout import modules

IMPORT_EVERY_MODULE = """
import gc, importlib, sys
import faust
from prometheus_client import CollectorRegistry, Counter

names = sys.argv[1:]
for name in names:
    importlib.import_module(name)
registry = CollectorRegistry()
Counter("probe", "A counter made after every import.", registry=registry).inc()
apps = sum(isinstance(thing, faust.App) for thing in gc.get_objects())
print(len(names), apps, registry.get_sample_value("probe_created") is not None)
"""


def test_importing_every_module_builds_nothing_and_reads_no_settings():
    # Settings that cannot validate: a module reading them at import would fail to import.
    env = {**os.environ, "BADBUZZ_PARTITIONS": "none", "BADBUZZ_DETECTOR": "no-such-detector"}
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE, *(name for name, _ in modules())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    imported, apps, created = done.stdout.split()
    assert int(imported) > 50
    assert apps == "0", "a module built a Faust app at import"
    assert created == "True", "a module turned prometheus-client's _created series off for the whole process"


def test_each_build_is_a_worker_of_its_own():
    first = build(Settings(worker_id="first", web_port=free_port(), brands=("acme",)))
    second = build(
        Settings(
            worker_id="second",
            web_port=free_port(),
            partitions=8,
            console_alerts=False,
            receivers=[
                {
                    "name": "pr-mail",
                    "email": {"to": ["pr@example.com"], "host": "localhost", "sender": "badbuzz@example.com"},
                }
            ],
        )
    )

    assert first.app is not second.app
    assert (first.app.conf.id, second.app.conf.id) == ("first", "second")
    stages = {"badbuzz.ingest", "badbuzz.learn_relabels", "badbuzz.detect", "badbuzz.take_feedback"}
    stages |= {"badbuzz.route", "badbuzz.throttle", "badbuzz.console"}
    assert set(first.app.agents) == stages | {"badbuzz.deliver.console"}
    assert set(second.app.agents) == stages | {"badbuzz.deliver.pr-mail"}
    assert set(first.app.tables) == set(second.app.tables) >= {"brand-states", "silences", "receipts"}
    assert (first.topics.mentions.partitions, second.topics.mentions.partitions) == (4, 8)
    assert first.metrics.registry is not second.metrics.registry
    assert list(first.notifiers) == ["console"] and list(second.notifiers) == ["pr-mail"]

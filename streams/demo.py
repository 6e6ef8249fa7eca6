"""``badbuzz demo``: broker, worker and simulator on one machine, a scripted crisis, an incident."""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from kafka import KafkaConsumer
from rich.console import Console

from alerts.incidents import IncidentEvent
from streams.broker import EmbeddedBroker, ensure_topics, free_port
from streams.config import get_settings
from streams.feed import MentionProducer, simulate
from streams.processes import WorkerProcess
from streams.simulator import BRANDS, Crisis, MentionSimulator, utc_now

CRISIS_BRAND = "nuvola"


def run_demo(*, history: timedelta, crisis_after: timedelta, seed: int, console: Console) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="badbuzz-demo-"))
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        console.print(f"[bold]badbuzz demo[/] · embedded broker at {broker.url} · state and logs in {workdir}")
        # This process and the worker read the same settings, from the same environment.
        os.environ.update(
            {
                **broker.env,
                "BADBUZZ_BRANDS": ",".join(brand.name for brand in BRANDS),
                "BADBUZZ_DATA_DIR": str(workdir / "state"),
                "BADBUZZ_WEB_PORT": str(free_port()),
                # An incident resolves after three calm minutes, so the demo shows a whole crisis.
                "BADBUZZ_RESOLVE_AFTER_SECONDS": os.environ.get("BADBUZZ_RESOLVE_AFTER_SECONDS", "180"),
            }
        )
        from streams import topics

        settings = get_settings()
        ensure_topics(settings, topics.all_topics(receiver.name for receiver in settings.enabled_receivers))
        worker = WorkerProcess(dict(os.environ), loglevel="error").start()
        try:
            # A buzz that builds over four minutes, then holds for eight: a warning, then a crisis.
            crisis = Crisis(
                brand=CRISIS_BRAND,
                starts_at=utc_now().replace(microsecond=0) + crisis_after,
                minutes=8,
                ramp_seconds=240,
            )
            _watch_incidents(settings.bootstrap_servers, topics.INCIDENTS, crisis, console)
            producer = MentionProducer(settings.bootstrap_servers, topics.MENTIONS)
            simulator = MentionSimulator(crises=(crisis,), seed=seed)
            console.print(
                f"Brands: {', '.join(brand.name for brand in BRANDS)}. Sending the last {history} of mentions "
                "so the detectors have a baseline…"
            )
            simulate(
                simulator,
                producer,
                history=history,
                on_history_sent=lambda count: console.print(
                    f"{count:,} past mentions sent; now live. A crisis about [bold]{CRISIS_BRAND}[/] is scripted "
                    f"for {crisis.starts_at:%H:%M:%S} UTC. Ctrl-C stops everything."
                ),
            )
        except KeyboardInterrupt:
            console.print("Stopping…")
        finally:
            worker.stop()


def _watch_incidents(bootstrap_servers: list[str], topic: str, crisis: Crisis, console: Console) -> None:
    """Say how long after the crisis began each incident change came (the demo's own stopwatch)."""

    def watch() -> None:
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap_servers, group_id=None, auto_offset_reset="earliest"
        )
        for record in consumer:
            event = IncidentEvent.model_validate_json(record.value)
            incident = event.incident
            if incident.brand == crisis.brand:
                elapsed = (utc_now() - crisis.starts_at).total_seconds()
                console.print(
                    f"[bold cyan]⏱  {incident.brand} incident {event.change} {elapsed:.0f} s after the crisis began[/]"
                )
            else:
                console.print(f"[bold magenta]Unexpected incident for {incident.brand}: {incident.summary()}[/]")

    threading.Thread(target=watch, name="incident-stopwatch", daemon=True).start()

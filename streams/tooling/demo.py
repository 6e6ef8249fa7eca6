"""``badbuzz demo``: broker, worker and simulator on one machine, a scripted crisis, an incident."""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

from kafka import KafkaConsumer
from rich.console import Console

from badbuzz.alerts.facts import change_text
from badbuzz.alerts.i18n import Language, _, current, moment, number, speaking
from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus, noun, severity_text
from badbuzz.alerts.policy.dispatch import Dispatcher, Outbound
from badbuzz.alerts.policy.routing import RoutingConfig
from badbuzz.streams.config import Settings
from badbuzz.streams.tooling.broker import EmbeddedBroker, ensure_topics, free_port
from badbuzz.streams.tooling.feed import MentionProducer, simulate
from badbuzz.streams.tooling.processes import WorkerProcess
from badbuzz.streams.tooling.simulator import BRANDS, Crisis, MentionSimulator, utc_now
from badbuzz.streams.topics import INCIDENTS, MENTIONS, OUTBOUND, all_topics

CRISIS_BRAND = "nuvola"


def run_demo(*, history: timedelta, crisis_after: timedelta, seed: int, console: Console) -> None:
    """The demo, speaking ``BADBUZZ_LANGUAGE`` (its worker's alerts and console too)."""
    with speaking(os.environ.get("BADBUZZ_LANGUAGE") or Language.ENGLISH):
        _run_demo(history=history, crisis_after=crisis_after, seed=seed, console=console)


def _run_demo(*, history: timedelta, crisis_after: timedelta, seed: int, console: Console) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="badbuzz-demo-"))
    with EmbeddedBroker(log_path=workdir / "broker.log") as broker:
        console.print(
            "[bold]badbuzz demo[/] · "
            + _("embedded broker at {url} · state and logs in {folder}").format(url=broker.url, folder=workdir)
        )
        # This process and the worker read the same settings, from the same environment.
        os.environ.update(
            {
                **broker.env,
                "BADBUZZ_BRANDS": ",".join(brand.name for brand in BRANDS),
                "BADBUZZ_DATA_DIR": str(workdir / "state"),
                "BADBUZZ_WEB_PORT": str(free_port()),
                # An incident resolves after three calm minutes, so the demo shows a whole crisis.
                "BADBUZZ_RESOLVE_AFTER_SECONDS": os.environ.get("BADBUZZ_RESOLVE_AFTER_SECONDS", "180"),
                # The console's and the API's token: made up for this run, unless one is set.
                "BADBUZZ_API_TOKEN": os.environ.get("BADBUZZ_API_TOKEN") or secrets.token_urlsafe(18),
            }
        )
        settings = Settings()
        ensure_topics(settings, all_topics(receiver.name for receiver in settings.enabled_receivers))
        worker = WorkerProcess(dict(os.environ), loglevel="error").start()
        link = f"{settings.console_address}/login?token={settings.api_token.get_secret_value()}"
        console.print(
            _("Incident console: {link} (the link signs you in; keep it to yourself)").format(link=f"[bold]{link}[/]"),
            soft_wrap=True,
        )
        try:
            # A buzz that builds over four minutes, then holds for eight: a warning, then a crisis.
            crisis = Crisis(
                brand=CRISIS_BRAND,
                starts_at=utc_now().replace(microsecond=0) + crisis_after,
                minutes=8,
                ramp_seconds=240,
            )
            _watch_incidents(settings, crisis, console)
            producer = MentionProducer(settings.bootstrap_servers, MENTIONS)
            simulator = MentionSimulator(crises=(crisis,), seed=seed)
            console.print(
                _(
                    "Brands: {brands}. Sending the last {minutes} minutes of mentions so the detectors have a baseline…"
                ).format(brands=", ".join(brand.name for brand in BRANDS), minutes=number(history.total_seconds() / 60))
            )
            simulate(
                simulator,
                producer,
                history=history,
                on_history_sent=lambda count: console.print(
                    _(
                        "{count} past mentions sent; now live. A crisis about {brand} is scripted for {at} UTC. "
                        "Ctrl-C stops everything."
                    ).format(count=number(count), brand=f"[bold]{CRISIS_BRAND}[/]", at=f"{crisis.starts_at:%H:%M:%S}")
                ),
            )
        except KeyboardInterrupt:
            console.print(_("Stopping…"))
        finally:
            worker.stop()


def _watch_incidents(settings: Settings, crisis: Crisis, console: Console) -> None:
    """Say how long after the crisis began each incident change came, and what became of it (the demo's stopwatch).

    Each change of the crisis brand's incidents is named (signal, severity); when it
    reaches a receiver the stopwatch says so, and when it has not once its group wait
    is over, it says what muted it: an inhibiting incident, quiet hours, or a silence.
    """
    stopwatch = Stopwatch(settings.routes, crisis, console)
    language = current()

    def watch() -> None:
        # A thread starts with a fresh context: it speaks the demo's language only when told.
        with speaking(language):
            follow()

    def follow() -> None:
        consumer = KafkaConsumer(
            INCIDENTS,
            OUTBOUND,
            bootstrap_servers=settings.bootstrap_servers,
            group_id=None,
            auto_offset_reset="earliest",
        )
        while True:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    if record.topic == INCIDENTS:
                        stopwatch.changed(IncidentEvent.model_validate_json(record.value))
                    else:
                        stopwatch.sent(Outbound.model_validate_json(record.value))
            stopwatch.tick(utc_now())

    threading.Thread(target=watch, name="incident-stopwatch", daemon=True).start()


class Stopwatch:
    """What the demo prints about incidents; fed from the incidents and outbound topics."""

    #: Beyond the route's group wait, how long a change may take to come out before it counts as muted.
    GRACE = timedelta(seconds=15)

    def __init__(self, routing: RoutingConfig, crisis: Crisis, console: Console) -> None:
        self.routing = routing
        self.dispatcher = Dispatcher(routing)
        self.crisis = crisis
        self.console = console
        self.open: dict[str, Incident] = {}
        #: (dedup key, revision) → (the change, when it is overdue), until a receiver gets it.
        self.waiting: dict[tuple[str, int], tuple[IncidentEvent, datetime]] = {}

    def changed(self, event: IncidentEvent) -> None:
        incident = event.incident
        if incident.status is IncidentStatus.OPEN:
            self.open[incident.dedup_key] = incident
        else:
            self.open.pop(incident.dedup_key, None)
        if incident.brand != self.crisis.brand:
            self.console.print(
                "[bold magenta]"
                + _("Unexpected incident for {brand}: {summary}").format(
                    brand=incident.brand, summary=incident.summary()
                )
                + "[/]",
                soft_wrap=True,
            )
            return
        self.console.print(
            "[bold cyan]⏱  "
            + _("{brand} {noun} · {severity} · {change} {elapsed} after the crisis began").format(
                brand=incident.brand,
                noun=noun(incident.signal),
                severity=severity_text(incident.severity).upper(),
                change=change_text(event.change),
                elapsed=self._elapsed(),
            )
            + "[/]",
            soft_wrap=True,
        )
        if event.change in (Change.OPENED, Change.ESCALATED):
            matches = self.routing.matches(self.dispatcher.labels(incident))
            wait = max((match.timing.group_wait for match in matches), default=timedelta(0))
            self.waiting[(incident.dedup_key, incident.revision)] = (event, utc_now() + wait + self.GRACE)

    def sent(self, outbound: Outbound) -> None:
        incident = outbound.event.incident
        if incident.brand != self.crisis.brand:
            return
        told = [key for key in self.waiting if key[0] == incident.dedup_key and key[1] <= incident.revision]
        for key in told:
            del self.waiting[key]
        if told:
            self.console.print(
                "[cyan]   → "
                + _("{receiver} told of {brand} {noun} {elapsed} after the crisis began").format(
                    receiver=outbound.receiver,
                    brand=incident.brand,
                    noun=noun(incident.signal),
                    elapsed=self._elapsed(),
                )
                + "[/]",
                soft_wrap=True,
            )

    def tick(self, now: datetime) -> None:
        for key, (event, overdue) in list(self.waiting.items()):
            if now < overdue:
                continue
            del self.waiting[key]
            incident = event.incident
            self.console.print(
                "[yellow]   ✕ "
                + _("{brand} {noun} ({severity}) not sent: {why}").format(
                    brand=incident.brand,
                    noun=noun(incident.signal),
                    severity=severity_text(incident.severity),
                    why=self.muted_by(incident, now),
                )
                + "[/]",
                soft_wrap=True,
            )

    def muted_by(self, incident: Incident, now: datetime) -> str:
        """What of the dispatcher's stages holds ``incident``, as far as the topics tell (silences they do not)."""
        labels = self.dispatcher.labels(incident)
        source = self.dispatcher.inhibit.source(incident, labels, self.open.values())
        if source is not None:
            return _("inhibited by the open {brand} {noun} incident ({severity})").format(
                brand=source.brand, noun=noun(source.signal), severity=severity_text(source.severity)
            )
        zone = self.routing.zone_of(incident.brand)
        for match in self.routing.matches(labels):
            quiet = self.dispatcher.quiet_hours.until(incident, match.timing, now)
            if quiet is not None:
                name, end = quiet
                return _("quiet hours {name} until {at}").format(name=name, at=moment(end, zone, day=False))
        return _("silenced, or still held back by the routing (no inhibition or quiet hours apply)")

    def _elapsed(self) -> str:
        return f"{(utc_now() - self.crisis.starts_at).total_seconds():.0f} s"

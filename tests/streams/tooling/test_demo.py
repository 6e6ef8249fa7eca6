"""The demo's stopwatch: what it says of each incident change, from the incidents and outbound topics."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from badbuzz.alerts.incidents import Change, IncidentEvent
from badbuzz.alerts.policy.dispatch import Outbound
from badbuzz.alerts.policy.routing import RoutingConfig
from badbuzz.streams.tooling import demo
from badbuzz.streams.tooling.demo import Stopwatch
from badbuzz.streams.tooling.simulator import Crisis
from badbuzz.vocabulary.signals import Severity, Signal
from tests.alerts.factories import incident

#: 23:30 in Paris on a Monday: the night's quiet hours hold warnings.
NIGHT = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)


def stopwatch(monkeypatch, routing: RoutingConfig) -> tuple[Stopwatch, io.StringIO]:
    monkeypatch.setattr(demo, "utc_now", lambda: NIGHT)
    out = io.StringIO()
    crisis = Crisis(brand="acme", starts_at=NIGHT - timedelta(seconds=95))
    return Stopwatch(routing, crisis, Console(file=out, width=200, color_system=None)), out


def test_it_names_each_change_and_says_when_a_receiver_was_told(monkeypatch):
    watch, out = stopwatch(monkeypatch, RoutingConfig())
    opened = IncidentEvent(change=Change.OPENED, incident=incident(signal=Signal.NEGATIVE_SHARE))
    watch.changed(opened)
    watch.sent(Outbound(receiver="console", event=opened))
    watch.tick(NIGHT + timedelta(minutes=5))
    assert out.getvalue().splitlines() == [
        "⏱  acme negative share · WARNING · opened 95 s after the crisis began",
        "   → console told of acme negative share 95 s after the crisis began",
    ]


def test_a_change_that_was_not_sent_is_said_muted_and_by_what(monkeypatch):
    watch, out = stopwatch(monkeypatch, RoutingConfig())
    critical = incident(signal=Signal.NEGATIVE_VOLUME, severity=Severity.CRITICAL)
    watch.changed(IncidentEvent(change=Change.OPENED, incident=critical))
    watch.changed(IncidentEvent(change=Change.OPENED, incident=incident(signal=Signal.NEGATIVE_SHARE)))
    watch.tick(NIGHT + timedelta(seconds=10))
    assert "not sent" not in out.getvalue(), "not before the group wait is over"
    watch.tick(NIGHT + timedelta(minutes=2))
    assert out.getvalue().splitlines()[-1] == (
        "   ✕ acme negative share (warning) not sent: inhibited by the open acme negative mentions incident (critical)"
    )


def test_quiet_hours_are_named_with_when_they_end_in_the_brands_time(monkeypatch):
    routing = RoutingConfig.model_validate(
        {
            "brands": {"acme": {"timezone": "Europe/Paris"}},
            "quiet_hours": {"night": {"start": "22:00", "end": "08:00"}},
            "route": {"receiver": "console", "mute_when": ["night"]},
        }
    )
    watch, out = stopwatch(monkeypatch, routing)
    watch.changed(IncidentEvent(change=Change.OPENED, incident=incident(signal=Signal.NEGATIVE_SHARE)))
    watch.tick(NIGHT + timedelta(minutes=2))
    assert out.getvalue().splitlines()[-1] == (
        "   ✕ acme negative share (warning) not sent: quiet hours night until 08:00 CET"
    )

"""The terminal panel: the incident's context, compactly."""

from __future__ import annotations

from rich.console import Console

from badbuzz.alerts.incidents import Change, Incident
from badbuzz.alerts.notify.console import ConsoleNotifier, render
from badbuzz.alerts.notify.delivery import Outcome
from tests.alerts.factories import crisis, crisis_context, notification


def rendered(subject: Incident | None = None, change: Change = Change.OPENED, width: int = 120) -> str:
    console = Console(record=True, width=width)
    console.print(render(change, subject or crisis()))
    return console.export_text()


def test_the_panel_shows_what_deviates_and_what_drives_it():
    text = rendered(crisis(acknowledged_by="claire"))

    assert "CRITICAL: nuvola negative mentions spiking" in text
    assert "612 negative mentions in 10 min, usually 40 (33–48)." in text
    assert "58 % negative, usually 12 %." in text
    assert "Terms: #NuvolaPanne 212 (usually 3) · résiliation 88 (usually 1)" in text
    assert "Authors: @claire_b (x, 2.4M followers): 12 mentions" in text
    assert "fr 71 % · en 24 %" in text and "38 % original, 62 % reposts" in text
    assert "Runbook https://wiki.example/runbooks/nuvola-bad-buzz" in text
    assert "Incident nuvola/negative_volume · opened · Acknowledged by @claire" in text
    assert "@claire_b (2,400,000 followers, x): Ça fait TROIS jours" in text


def test_the_panel_stays_compact():
    lines = rendered().splitlines()
    assert len(lines) <= 24, "three posts, five terms, three authors: the demo's face fits a screen"
    assert "@sophie.m" not in "\n".join(lines), "only the three posts of widest reach"


NO_CONTEXT = {"volume": 0, "emerging_terms": (), "top_authors": (), "languages": {}, "platforms": {}}


def test_an_incident_without_context_shows_its_numbers_only():
    text = rendered(crisis(context=crisis_context().model_copy(update=NO_CONTEXT)))
    assert "negative, usually" not in text and "Terms:" not in text and "Mix:" not in text
    assert "612 negative mentions in 10 min" in text


async def test_the_notifier_prints_and_counts():
    console = Console(record=True, width=100)
    outcomes = []
    notifier = ConsoleNotifier(console, observe=lambda channel, outcome: outcomes.append((channel, outcome)))
    receipt = await notifier.deliver(notification(), previous=None)

    assert "612 negative mentions" in console.export_text()
    assert receipt.revision == 1 and outcomes == [("console", Outcome.SENT)]

"""What the console remembers of a brand's incidents, change after change."""

from __future__ import annotations

from datetime import timedelta

from badbuzz.alerts.incidents import Change, IncidentEvent
from badbuzz.streams.console.journal import KEEP, remember
from tests.alerts.factories import OPENED_AT, event, incident


def test_each_incident_keeps_its_latest_state_and_its_timeline():
    opened = incident()
    log = remember([], event(Change.OPENED, opened), OPENED_AT)
    acknowledged = opened.model_copy(update={"acknowledged_by": "camille", "revision": 2})
    log = remember(log, event(Change.ACKNOWLEDGED, acknowledged), OPENED_AT + timedelta(minutes=2))
    (record,) = log
    assert record.incident.acknowledged_by == "camille" and record.is_open
    assert [(entry.change, entry.note) for entry in record.timeline] == [
        (Change.OPENED, "Opened: 300 mentions in 1 min, usually 40 (33–48)."),
        (Change.ACKNOWLEDGED, "Acknowledged by @camille."),
    ]


def test_a_redelivered_older_change_does_not_undo_a_newer_one():
    newer = incident(revision=3, acknowledged_by="camille")
    log = remember([], event(Change.ACKNOWLEDGED, newer), OPENED_AT)
    log = remember(log, event(Change.OPENED, incident(revision=1)), OPENED_AT + timedelta(seconds=5))
    assert log[0].incident == newer and len(log[0].timeline) == 2


def test_the_latest_changed_incident_comes_first_and_old_ones_are_let_go():
    log = []
    for day in range(KEEP + 3):
        opened = incident(opened_at=OPENED_AT + timedelta(days=day))
        log = remember(log, IncidentEvent(change=Change.OPENED, incident=opened), opened.opened_at)
    assert len(log) == KEEP
    assert log[0].incident.opened_at == OPENED_AT + timedelta(days=KEEP + 2)
    assert log[-1].incident.opened_at == OPENED_AT + timedelta(days=3)

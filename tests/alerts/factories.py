"""Incidents and their changes as the tracker would produce them, for the alert tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from badbuzz.alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, Reading, Signal
from badbuzz.vocabulary.signals import Severity

OPENED_AT = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)


def incident(
    brand: str = "acme",
    signal: Signal = Signal.VOLUME,
    severity: Severity = Severity.WARNING,
    *,
    revision: int = 1,
    opened_at: datetime = OPENED_AT,
    resolved: bool = False,
    acknowledged_by: str | None = None,
    escalated_by: str | None = None,
    verdict: Action | None = None,
) -> Incident:
    reading = Reading(value=300, score=12.0, window_start=opened_at, window_end=opened_at + timedelta(minutes=1))
    return Incident(
        brand=brand,
        signal=signal,
        status=IncidentStatus.RESOLVED if resolved else IncidentStatus.OPEN,
        severity=severity,
        revision=revision,
        opened_at=opened_at,
        resolved_at=opened_at + timedelta(minutes=30) if resolved else None,
        current=reading,
        peak=reading,
        usual=40,
        usual_low=33,
        usual_high=48,
        window_seconds=60,
        acknowledged_by=acknowledged_by,
        escalated_by=escalated_by,
        verdict=verdict,
    )


def event(change: Change, subject: Incident) -> IncidentEvent:
    return IncidentEvent(change=change, incident=subject)

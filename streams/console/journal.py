"""What the console remembers of each brand's incidents: the latest of each, and what happened to it.

The incidents topic carries every change (opened, escalated, acknowledged…);
the console keeps, per brand, the last incidents as last announced, each with
its timeline, so a resolved incident stays readable after the tracker forgot it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from badbuzz.alerts import facts
from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus

#: Incidents kept per brand: a few weeks of a brand's bad days.
KEEP = 30
#: Timeline entries kept per incident.
KEEP_ENTRIES = 50


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    change: Change
    note: str


class Record(BaseModel):
    """An incident as last announced, and its timeline, oldest first."""

    model_config = ConfigDict(frozen=True)

    incident: Incident
    timeline: tuple[Entry, ...] = ()

    @property
    def ref(self) -> str:
        return self.incident.ref

    @property
    def is_open(self) -> bool:
        return self.incident.status is IncidentStatus.OPEN


def remember(records: Sequence[Record], event: IncidentEvent, at: datetime) -> list[Record]:
    """The brand's records once ``event`` is in, most recently changed first."""
    incident = event.incident
    entry = Entry(at=at, change=event.change, note=facts.change_note(event))
    ref = incident.ref
    previous = next((record for record in records if record.ref == ref), None)
    if previous is not None and previous.incident.revision > incident.revision:
        # A redelivered older change: the timeline notes it, the incident stays the newer one.
        incident = previous.incident
    timeline = ((*previous.timeline, entry) if previous else (entry,))[-KEEP_ENTRIES:]
    updated = Record(incident=incident, timeline=timeline)
    return [updated, *(record for record in records if record.ref != ref)][:KEEP]

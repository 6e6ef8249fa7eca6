"""The console's memory, kept in a table: each brand's recent incidents, fed from the incidents topic.

The incidents topic is keyed by brand like this table, so each worker keeps the
incidents of the brands it owns, and a restart recovers them from the changelog.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pydantic import ValidationError

from badbuzz.alerts.incidents import IncidentEvent
from badbuzz.detectors.anomaly.brand import BrandWatch
from badbuzz.streams.console.journal import Record, remember
from badbuzz.streams.state import StateTable

log = logging.getLogger(__name__)


class ConsoleStore:
    """What the console shows: ``incidents`` (brand → its records) and ``watches`` (brand → its watch)."""

    def __init__(self, incidents: StateTable[list[Record]], watches: StateTable[BrandWatch]) -> None:
        self.incidents = incidents
        self.watches = watches

    def install(self, app, incidents_topic) -> None:
        @app.agent(incidents_topic, name="badbuzz.console")
        async def keep_incidents(stream):
            """Remember each incident change for the console (the route agent reads the topic for receivers)."""
            async for event in stream.events():
                try:
                    change = IncidentEvent.model_validate_json(event.value)
                except ValidationError as error:
                    log.warning("console: an incident change it cannot read: %s", error)
                    continue
                brand = change.incident.brand
                at = datetime.fromtimestamp(event.message.timestamp, UTC)
                self.incidents[brand] = remember(self.records_of(brand), change, at)

    def records_of(self, brand: str) -> list[Record]:
        return list(self.incidents.get(brand) or [])

    def known_brands(self) -> list[str]:
        return list(self.incidents.keys()) + list(self.watches.keys())

    def watch_of(self, brand: str) -> BrandWatch | None:
        return self.watches.get(brand)

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
from badbuzz.streams import topics
from badbuzz.streams.console.journal import Record, remember
from badbuzz.streams.tables import brand_watches, console_incidents

log = logging.getLogger(__name__)


def install(app) -> None:
    @app.agent(topics.incidents, name="badbuzz.console")
    async def keep_incidents(stream):
        """Remember each incident change for the console (the route agent reads the same topic for the receivers)."""
        async for event in stream.events():
            try:
                change = IncidentEvent.model_validate_json(event.value)
            except ValidationError as error:
                log.warning("console: an incident change it cannot read: %s", error)
                continue
            brand = change.incident.brand
            at = datetime.fromtimestamp(event.message.timestamp, UTC)
            console_incidents[brand] = remember(records_of(brand), change, at)


def records_of(brand: str) -> list[Record]:
    return list(console_incidents.get(brand) or [])


def known_brands() -> list[str]:
    return list(console_incidents.keys()) + list(brand_watches.keys())


def watch_of(brand: str) -> BrandWatch | None:
    return brand_watches.get(brand)

"""Opsgenie's Alert API: one alert per incident under its dedup key as alias.

Optional: Atlassian is retiring Opsgenie (no new sales since June 2025, the service
and its API end in April 2027, their users moving to Jira Service Management or
Compass). It is here for teams still on it.
"""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from badbuzz.alerts import facts
from badbuzz.alerts.incidents import Change, Incident, IncidentEvent
from badbuzz.alerts.notify.delivery import Notification, Receipt
from badbuzz.alerts.notify.http import HttpNotifier
from badbuzz.vocabulary.signals import Severity

API_URLS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
PRIORITIES = {Severity.INFO: "P5", Severity.WARNING: "P3", Severity.CRITICAL: "P1"}
#: Opsgenie's field limits.
MESSAGE_MAX_CHARS = 130
DESCRIPTION_MAX_CHARS = 15_000
DETAIL_MAX_CHARS = 300
NOTE_MAX_CHARS = 25_000
SOURCE = "badbuzz"
CLOSING = frozenset({Change.RESOLVED, Change.DISMISSED})


class OpsgenieConfig(BaseModel):
    """An Opsgenie API integration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr = Field(description="The API integration's key (sent as 'GenieKey …').")
    region: Literal["us", "eu"] = Field("us", description="Where the Opsgenie account lives.")
    api_url: str | None = Field(None, description="Overrides the region's API root (a proxy or a fake one in tests).")
    team: str | None = Field(None, description="The team alerted, by name; the integration's default when unset.")

    @property
    def root(self) -> str:
        return (self.api_url or API_URLS[self.region]).rstrip("/")


class OpsgenieNotifier(HttpNotifier[OpsgenieConfig]):
    """Creates an alert when an incident opens, notes its changes, acknowledges and closes it.

    The alias is the incident's dedup key: Opsgenie folds a redelivered creation into
    the open alert instead of paging again. Opsgenie answers 202 and processes requests
    asynchronously; 429 and 5xx are retried, other refusals (bad key, invalid field) are for good.
    """

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        event = notification.event
        incident = event.incident
        change = event.change
        with self.meter.delivery():
            known = previous is not None and previous.of_same_incident(notification)
            if change is Change.OPENED or (not known and change not in CLOSING):
                await self._request("POST", "", self.alert(event))
            if change in CLOSING:
                await self._request("POST", "/close", self._note(event), incident)
            elif change is Change.ACKNOWLEDGED:
                await self._request("POST", "/acknowledge", self._note(event), incident)
            elif change is not Change.OPENED:
                if change is Change.ESCALATED:
                    await self._request("PUT", "/priority", {"priority": PRIORITIES[incident.severity]}, incident)
                await self._request("PUT", "/description", {"description": description(event)}, incident)
                await self._request("POST", "/notes", self._note(event), incident)
        return Receipt.of(notification, {"alias": incident.dedup_key})

    def alert(self, event: IncidentEvent) -> dict:
        incident = event.incident
        alert: dict = {
            "message": facts.clip(incident.headline(), MESSAGE_MAX_CHARS),
            "alias": incident.dedup_key,
            "description": description(event),
            "tags": [incident.brand[:50], str(incident.signal), str(incident.severity)],
            "details": details(incident),
            "entity": incident.brand,
            "source": SOURCE,
            "priority": PRIORITIES[incident.severity],
        }
        if self.config.team:
            alert["responders"] = [{"name": self.config.team, "type": "team"}]
        return alert

    def _note(self, event: IncidentEvent) -> dict:
        incident = event.incident
        who = {Change.ACKNOWLEDGED: incident.acknowledged_by, Change.ESCALATED_TO_PR: incident.escalated_by}.get(
            event.change
        )
        note = {"source": SOURCE, "note": facts.clip(facts.change_note(event), NOTE_MAX_CHARS)}
        return note | ({"user": who} if who else {})

    async def _request(self, method: str, action: str, body: dict, incident: Incident | None = None) -> None:
        """``action`` on the alerts collection (``""``: create) or, given ``incident``, on its alert by alias."""
        url = f"{self.config.root}/v2/alerts"
        if incident is not None:
            url += f"/{quote(incident.dedup_key, safe='')}{action}?identifierType=alias"
        await self.http.send(
            method,
            url,
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Authorization": f"GenieKey {self.config.api_key.get_secret_value()}"},
        )


def description(event: IncidentEvent) -> str:
    return facts.clip(facts.plain_text(event), DESCRIPTION_MAX_CHARS)


def details(incident: Incident) -> dict[str, str]:
    """The context as Opsgenie's flat string properties (8,000 characters in all: each is clipped)."""
    flat = {
        name: "; ".join(item if isinstance(item, str) else item["by"] for item in value)
        if isinstance(value, list)
        else str(value)
        for name, value in facts.details(incident).items()
        if name not in {"usual_range", "window"}
    }
    return {name: facts.clip(value, DETAIL_MAX_CHARS) for name, value in flat.items()}

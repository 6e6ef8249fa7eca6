"""PagerDuty Events API v2: one alert per incident, triggered, acknowledged and resolved by its dedup key."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from badbuzz.alerts import facts
from badbuzz.alerts.i18n import _
from badbuzz.alerts.incidents import Change, Incident
from badbuzz.alerts.notify.delivery import Notification, Receipt
from badbuzz.alerts.notify.http import HttpNotifier
from badbuzz.vocabulary.signals import Severity

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
#: PagerDuty's limit on an event's summary.
SUMMARY_MAX_CHARS = 1024
#: PagerDuty has a fourth level, "error", between warning and critical; our scale has no use for it.
SEVERITIES = {Severity.INFO: "info", Severity.WARNING: "warning", Severity.CRITICAL: "critical"}
ACTIONS = {
    Change.ACKNOWLEDGED: "acknowledge",
    Change.RESOLVED: "resolve",
    # Someone on call said it is no crisis: nobody should stay paged for it.
    Change.DISMISSED: "resolve",
}


class PagerDutyConfig(BaseModel):
    """A PagerDuty service's Events API v2 integration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    routing_key: SecretStr = Field(description="The integration key of the service's Events API v2 integration.")
    events_url: str = Field(EVENTS_URL, description="The Events API endpoint (a proxy or a fake one in tests).")
    source: str = Field("badbuzz", description="Where PagerDuty says the alert comes from.")


class PagerDutyNotifier(HttpNotifier[PagerDutyConfig]):
    """Triggers a PagerDuty alert per incident; later changes re-trigger, acknowledge or resolve it.

    Every event carries the incident's dedup key, so PagerDuty folds a redelivered or
    repeated trigger into the open alert: redelivery never pages twice. 429 and 5xx are
    retried (honouring ``Retry-After``); a 400 is a malformed event or a wrong key, for good.
    """

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        event = self.event(notification)
        with self.meter.delivery():
            await self.http.send("POST", self.config.events_url, body=json.dumps(event).encode())
        return Receipt.of(notification, {"dedup_key": event["dedup_key"], "event_action": event["event_action"]})

    def event(self, notification: Notification) -> dict:
        incident = notification.event.incident
        action = ACTIONS.get(notification.event.change, "trigger")
        event: dict = {
            "routing_key": self.config.routing_key.get_secret_value(),
            "event_action": action,
            "dedup_key": incident.dedup_key,
        }
        if action == "trigger":
            event |= self._alert(incident)
        return event

    def _alert(self, incident: Incident) -> dict:
        context = incident.context
        alert: dict = {
            "payload": {
                "summary": facts.clip(
                    _("{headline}: {deviation}.").format(
                        headline=incident.headline(), deviation=facts.deviation(incident)
                    ),
                    SUMMARY_MAX_CHARS,
                ),
                "source": self.config.source,
                "severity": SEVERITIES[incident.severity],
                "timestamp": incident.current.window_end.isoformat(),
                "component": str(incident.signal),
                "group": incident.brand,
                "class": "bad buzz",
                "custom_details": facts.details(incident),
            },
            "client": "badbuzz",
            "links": [{"href": url, "text": label} for label, url in facts.links(context).items()],
        }
        if context.dashboard_url:
            alert["client_url"] = context.dashboard_url
        return alert

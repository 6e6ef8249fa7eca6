"""Generic webhooks: Alertmanager's JSON body, signed per the Standard Webhooks spec.

Receivers that already take Alertmanager's webhooks parse the body as it is; the
signature headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``) let
them check it came from us, and the id, the same for every delivery of one incident
revision, lets them drop redeliveries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from standardwebhooks.webhooks import Webhook

from badbuzz.alerts import facts
from badbuzz.alerts.incidents import Incident, IncidentStatus
from badbuzz.alerts.notify.delivery import Notification, Observer, Receipt, RetryPolicy
from badbuzz.alerts.notify.http import HttpNotifier

#: Alertmanager's webhook payload version, and its "not ended yet" time.
ALERTMANAGER_VERSION = "4"
NOT_ENDED = "0001-01-01T00:00:00Z"
ALERT_NAME = "BadBuzz"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)


class WebhookConfig(BaseModel):
    """An HTTP endpoint taking signed Alertmanager-style webhooks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(description="Where to POST; redirects are not followed, as the spec advises.")
    secret: SecretStr = Field(description="The endpoint's signing secret: 'whsec_' then base64 (24 to 64 bytes).")

    @field_validator("secret")
    @classmethod
    def _a_standard_webhooks_secret(cls, secret: SecretStr) -> SecretStr:
        value = secret.get_secret_value()
        if not value.startswith(SECRET_PREFIX):
            raise ValueError(f"must start with '{SECRET_PREFIX}'")
        try:
            key = base64.b64decode(value.removeprefix(SECRET_PREFIX), validate=True)
        except binascii.Error as error:
            raise ValueError(f"must be '{SECRET_PREFIX}' followed by base64") from error
        if not SECRET_BYTES[0] <= len(key) <= SECRET_BYTES[1]:
            raise ValueError(f"must hold {SECRET_BYTES[0]} to {SECRET_BYTES[1]} bytes, as the spec advises")
        return secret


class WebhookNotifier(HttpNotifier[WebhookConfig]):
    """POSTs each incident change as one firing or resolved Alertmanager alert, signed."""

    def __init__(
        self, name: str, config: WebhookConfig, *, retry: RetryPolicy | None = None, observe: Observer | None = None
    ) -> None:
        super().__init__(name, config, retry=retry, observe=observe)
        self._signer = Webhook(config.secret.get_secret_value())

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt:
        message_id = webhook_id(notification)
        body = json.dumps(alertmanager_body(notification, receiver=self.name), ensure_ascii=False)

        def sign(data: bytes) -> dict[str, str]:
            # Each attempt is signed anew: receivers refuse timestamps more than a few minutes off.
            now = datetime.now(UTC)
            return {
                "webhook-id": message_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": self._signer.sign(message_id, now, body),
            }

        with self.meter.delivery():
            await self.http.send("POST", self.config.url, body=body.encode(), sign=sign)
        return Receipt.of(notification, {"webhook_id": message_id})


def webhook_id(notification: Notification) -> str:
    """The same for every delivery of one incident revision and change, so receivers can drop redeliveries."""
    incident = notification.event.incident
    identity = f"{incident.dedup_key}|{incident.opened_at.isoformat()}|{incident.revision}|{notification.event.change}"
    return "msg_" + hashlib.sha256(identity.encode()).hexdigest()[:32]


def labels(incident: Incident) -> dict[str, str]:
    return {
        "alertname": ALERT_NAME,
        "brand": incident.brand,
        "signal": str(incident.signal),
        "severity": str(incident.severity),
    }


def fingerprint(incident: Incident) -> str:
    """From the incident's identity only: an escalation (a new severity label) stays the same alert."""
    return hashlib.sha256(f"{ALERT_NAME}|{incident.dedup_key}".encode()).hexdigest()[:16]


def annotations(notification: Notification) -> dict[str, str]:
    incident = notification.event.incident
    found = {
        "summary": incident.summary(),
        "description": facts.plain_text(notification.event),
        "runbook_url": incident.context.runbook_url,
        "dashboard_url": incident.context.dashboard_url,
    }
    return {name: value for name, value in found.items() if value}


def alertmanager_body(notification: Notification, *, receiver: str) -> dict:
    """Alertmanager's webhook payload (version 4) holding the incident as one alert, plus our own ``badbuzz`` key."""
    incident = notification.event.incident
    status = "resolved" if incident.status is IncidentStatus.RESOLVED else "firing"
    alert_labels = labels(incident)
    alert_annotations = annotations(notification)
    group_labels = {"brand": incident.brand, "signal": str(incident.signal)}
    return {
        "version": ALERTMANAGER_VERSION,
        "groupKey": "{}:{" + ", ".join(f'{name}="{value}"' for name, value in group_labels.items()) + "}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": alert_labels,
        "commonAnnotations": alert_annotations,
        "externalURL": incident.context.dashboard_url or "",
        "alerts": [
            {
                "status": status,
                "labels": alert_labels,
                "annotations": alert_annotations,
                "startsAt": rfc3339(incident.opened_at),
                "endsAt": rfc3339(incident.resolved_at) if incident.resolved_at else NOT_ENDED,
                "generatorURL": incident.context.dashboard_url or "",
                "fingerprint": fingerprint(incident),
            }
        ],
        "badbuzz": {
            "dedupKey": incident.dedup_key,
            "change": str(notification.event.change),
            "revision": incident.revision,
            "details": facts.details(incident),
        },
    }


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

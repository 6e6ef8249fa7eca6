"""What the notifiers share: the notification they receive and the receipt they leave."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from alerts.incidents import IncidentEvent


class Notification(BaseModel):
    """One incident change for one channel."""

    model_config = ConfigDict(frozen=True)

    channel: str
    event: IncidentEvent

    @property
    def key(self) -> str:
        """Per channel and incident: a channel's deliveries of one incident stay in order."""
        return f"{self.channel}|{self.event.incident.dedup_key}"


class Receipt(BaseModel):
    """What a channel last delivered of an incident, and where (e.g. a Slack message)."""

    model_config = ConfigDict(frozen=True)

    opened_at: datetime
    revision: int
    ref: dict[str, str] = {}

    def covers(self, notification: Notification) -> bool:
        """Whether this change was delivered already (a redelivery after a worker restart)."""
        incident = notification.event.incident
        return self.opened_at == incident.opened_at and self.revision >= incident.revision

    def of_same_incident(self, notification: Notification) -> bool:
        return self.opened_at == notification.event.incident.opened_at


class Notifier(Protocol):
    """A channel: delivers a notification, given the receipt of the incident's previous one."""

    name: str

    async def deliver(self, notification: Notification, previous: Receipt | None) -> Receipt: ...

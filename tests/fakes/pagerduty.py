"""A fake PagerDuty Events API v2: validates events as PagerDuty does and keeps the alerts they make.

Like PagerDuty, a trigger whose dedup key matches an open alert is added to that
alert's log instead of opening another; acknowledge and resolve act on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.server import FakeServer

ROUTING_KEY = "R0UT1NGKEY0123456789ABCDEF012345"
SEVERITIES = {"critical", "error", "warning", "info"}


@dataclass
class PagerDutyAlert:
    dedup_key: str
    status: str = "triggered"
    events: list[dict] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status != "resolved"


class FakePagerDuty(FakeServer):
    name = "fake-pagerduty"

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[PagerDutyAlert] = []

    @property
    def url(self) -> str:
        return f"{self.base_url}/v2/enqueue"

    def open_alert(self, dedup_key: str) -> PagerDutyAlert | None:
        return next((alert for alert in self.alerts if alert.dedup_key == dedup_key and alert.open), None)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/enqueue", self._enqueue)

    async def _enqueue(self, request: web.Request) -> web.Response:
        event = await request.json()
        errors = invalid(event)
        if errors:
            return web.json_response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors}, status=400
            )
        key = event["dedup_key"]
        alert = self.open_alert(key)
        action = event["event_action"]
        if action == "trigger" and alert is None:
            alert = PagerDutyAlert(key)
            self.alerts.append(alert)
        if alert is not None:
            alert.events.append(event)
            if action == "acknowledge":
                alert.status = "acknowledged"
            elif action == "resolve":
                alert.status = "resolved"
        return web.json_response({"status": "success", "message": "Event processed", "dedup_key": key}, status=202)


def invalid(event: dict) -> list[str]:
    errors = []
    if event.get("routing_key") != ROUTING_KEY:
        errors.append("'routing_key' is invalid")
    if event.get("event_action") not in {"trigger", "acknowledge", "resolve"}:
        errors.append("'event_action' is invalid")
    if not event.get("dedup_key") or len(event["dedup_key"]) > 255:
        errors.append("'dedup_key' is missing or longer than 255 characters")
    if event.get("event_action") == "trigger":
        payload = event.get("payload") or {}
        if not payload.get("summary") or len(payload["summary"]) > 1024:
            errors.append("'payload.summary' is missing or longer than 1024 characters")
        if not payload.get("source"):
            errors.append("'payload.source' is missing")
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' is invalid")
    return errors

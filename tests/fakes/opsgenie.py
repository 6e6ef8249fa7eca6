"""A fake Opsgenie Alert API: alerts by alias, deduplicated while open, with notes, priority, ack and close."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.server import FakeServer

API_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"
PRIORITIES = {"P1", "P2", "P3", "P4", "P5"}


@dataclass
class OpsgenieAlert:
    alias: str
    message: str
    priority: str
    description: str = ""
    details: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    responders: list = field(default_factory=list)
    status: str = "open"
    acknowledged: bool = False
    count: int = 1
    notes: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


class FakeOpsgenie(FakeServer):
    name = "fake-opsgenie"

    def __init__(self) -> None:
        super().__init__()
        self.alerts: list[OpsgenieAlert] = []
        self._request_ids = itertools.count(1)

    def open_alert(self, alias: str) -> OpsgenieAlert | None:
        return next((alert for alert in self.alerts if alert.alias == alias and alert.status == "open"), None)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/alerts", self._create)
        app.router.add_route("*", "/v2/alerts/{alias}/{action}", self._act)

    def _accepted(self) -> web.Response:
        return web.json_response(
            {"result": "Request will be processed", "took": 0.01, "requestId": f"req-{next(self._request_ids)}"},
            status=202,
        )

    def _refusal(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"GenieKey {API_KEY}":
            return web.json_response({"message": "Could not authenticate", "took": 0.0}, status=401)
        return None

    async def _create(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal:
            return refusal
        body = await request.json()
        errors = []
        if not body.get("message") or len(body["message"]) > 130:
            errors.append("message")
        if len(body.get("alias", "")) > 512:
            errors.append("alias")
        if len(body.get("description", "")) > 15_000:
            errors.append("description")
        if body.get("priority", "P3") not in PRIORITIES:
            errors.append("priority")
        if sum(len(k) + len(v) for k, v in body.get("details", {}).items()) > 8_000:
            errors.append("details")
        if errors:
            return web.json_response({"message": f"Invalid {', '.join(errors)}", "took": 0.0}, status=422)
        alert = self.open_alert(body["alias"])
        if alert is not None:
            alert.count += 1
        else:
            self.alerts.append(
                OpsgenieAlert(
                    alias=body["alias"],
                    message=body["message"],
                    priority=body.get("priority", "P3"),
                    description=body.get("description", ""),
                    details=body.get("details", {}),
                    tags=body.get("tags", []),
                    responders=body.get("responders", []),
                )
            )
        return self._accepted()

    async def _act(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal:
            return refusal
        if request.query.get("identifierType") != "alias":
            return web.json_response({"message": "identifierType must be alias here"}, status=422)
        body = await request.json()
        # Like Opsgenie, requests are accepted first; one for an unknown alert fails later, silently here.
        alert = self.open_alert(request.match_info["alias"])
        action = request.match_info["action"]
        if alert is not None:
            if body.get("user"):
                alert.users.append(body["user"])
            if body.get("note"):
                alert.notes.append(body["note"])
            if action == "priority":
                alert.priority = body["priority"]
            elif action == "description":
                alert.description = body["description"]
            elif action == "acknowledge":
                alert.acknowledged = True
            elif action == "close":
                alert.status = "closed"
        return self._accepted()

"""What people do about an incident: Slack's buttons, the same over a JSON API, and their effect.

Both endpoints check who is calling (Slack's request signature; a bearer
token), turn the call into an :class:`~badbuzz.alerts.incidents.IncidentFeedback`
and hand it to ``publish`` (the worker sends it to the feedback topic), then
answer at once: Slack wants an answer within 3 seconds, and the incident is
updated by the agent that owns it, through :func:`apply`.

A button's ``value`` names the incident (:attr:`~badbuzz.alerts.incidents.Incident.ref`),
not only its dedup key: a click on the message of an incident resolved last week
must not acknowledge today's.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.signature import Clock, SignatureVerifier

from badbuzz.alerts.incidents import (
    Action,
    Change,
    Incident,
    IncidentEvent,
    IncidentFeedback,
    IncidentStatus,
    parse_incident_ref,
)

Publish = Callable[[IncidentFeedback], Awaitable[None]]

#: The block id of the buttons, so the message can be told apart from other apps' blocks.
ACTIONS_BLOCK_ID = "badbuzz-incident-actions"

_CHANGES = {
    Action.ACKNOWLEDGE: Change.ACKNOWLEDGED,
    Action.ESCALATE: Change.ESCALATED_TO_PR,
    Action.REAL_CRISIS: Change.CONFIRMED,
    Action.FALSE_POSITIVE: Change.DISMISSED,
}


def apply(incident: Incident, feedback: IncidentFeedback) -> tuple[Incident, IncidentEvent | None]:
    """An incident after a person's action, and the change to announce (``None`` when it changes nothing).

    Any action tells that someone has seen the incident, so it also acknowledges
    it (which stops the reminders). "Not a crisis" resolves an open incident;
    a verdict may be changed by a later one. An action on another incident of
    the same dedup key (an old message's button) changes nothing.
    """
    if feedback.dedup_key != incident.dedup_key or feedback.opened_at != incident.opened_at:
        return incident, None
    action = feedback.action
    update: dict[str, object] = {}
    if incident.acknowledged_by is None:
        update["acknowledged_by"] = feedback.user
    if action is Action.ESCALATE and incident.escalated_by is None:
        update["escalated_by"] = feedback.user
    if action in (Action.REAL_CRISIS, Action.FALSE_POSITIVE) and incident.verdict is not action:
        update |= {"verdict": action, "verdict_by": feedback.user}
        if action is Action.FALSE_POSITIVE and incident.status is IncidentStatus.OPEN:
            update |= {"status": IncidentStatus.RESOLVED, "resolved_at": feedback.at}
    decisive = {Action.ACKNOWLEDGE: "acknowledged_by", Action.ESCALATE: "escalated_by"}.get(action, "verdict")
    if decisive not in update:
        return incident, None
    changed = incident.model_copy(update=update | {"revision": incident.revision + 1})
    return changed, IncidentEvent(change=_CHANGES[action], incident=changed)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer, whatever the web framework: status and JSON body (``None``: empty)."""

    status: int
    body: dict[str, object] | None = None


class ApiAction(BaseModel):
    """The JSON body of ``POST /api/incidents/{brand}/{signal}/actions``."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    user: str = Field(min_length=1)
    opened_at: AwareDatetime = Field(description="When the incident opened: which incident of this dedup key.")


class IncidentActions:
    """The two endpoints that take people's actions; neither touches Kafka or an incident itself.

    Parameters
    ----------
    publish
        Sends a feedback to the feedback topic.
    signing_secret
        The Slack app's signing secret; Slack's endpoint refuses everything without it.
    api_token
        The bearer token of the JSON API; the API refuses everything without it.
    clock
        slack-sdk's clock: what "now" is for stale requests and feedback times.
    """

    def __init__(
        self, publish: Publish, *, signing_secret: str | None, api_token: str | None, clock: Clock | None = None
    ) -> None:
        self.publish = publish
        self.signing_secret = signing_secret
        self.api_token = api_token
        self.clock = clock or Clock()
        self._verifier = SignatureVerifier(signing_secret, clock=self.clock) if signing_secret else None

    async def from_slack(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        """Slack's interactivity request: verify its signature (401 if forged or older than 5 min), then act."""
        if self._verifier is None:
            return Reply(503, {"error": "Slack actions are off: set SLACK_SIGNING_SECRET"})
        if not self._verifier.is_valid_request(body, dict(headers)):
            return Reply(401, {"error": "invalid or stale Slack signature"})
        try:
            payload = json.loads(parse_qs(body.decode())["payload"][0])
            if payload.get("type") != "block_actions":
                return Reply(400, {"error": f"unsupported interaction {payload.get('type')!r}"})
            user = payload["user"]
            who = user.get("username") or user.get("name") or user["id"]
            feedbacks = [
                self._feedback(a["action_id"], *parse_incident_ref(a["value"]), who) for a in payload["actions"]
            ]
        except (KeyError, IndexError, TypeError, ValueError) as error:
            return Reply(400, {"error": f"malformed Slack payload: {error}"})
        for feedback in feedbacks:
            await self.publish(feedback)
        return Reply(200)

    async def from_api(self, key: str, body: bytes, headers: Mapping[str, str]) -> Reply:
        """``POST /api/incidents/{dedup_key}/actions`` with ``Authorization: Bearer <token>``."""
        refusal = bearer_refusal(self.api_token, headers)
        if refusal is not None:
            return refusal
        try:
            request = ApiAction.model_validate_json(body)
            feedback = self._feedback(request.action, key, request.opened_at, request.user)
        except (ValidationError, ValueError) as error:
            return Reply(400, {"error": str(error)})
        await self.publish(feedback)
        return Reply(202, feedback.model_dump(mode="json"))

    def _feedback(self, action: str, key: str, opened_at: datetime, user: str) -> IncidentFeedback:
        if action not in set(Action):
            raise ValueError(f"unknown action {action!r}")
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        return IncidentFeedback(dedup_key=key, opened_at=opened_at, action=Action(action), user=user, at=now)

    def routes(self, slack_path: str = "/slack/actions") -> list[web.RouteDef]:
        """aiohttp routes for both endpoints; the dedup key ``brand/signal`` spans two path segments."""
        return [
            web.post(slack_path, self._slack_view),
            web.post("/api/incidents/{key:[^/]+/[^/]+}/actions", self._api_view),
        ]

    async def _slack_view(self, request: web.Request) -> web.Response:
        return response(await self.from_slack(await request.read(), request.headers))

    async def _api_view(self, request: web.Request) -> web.Response:
        return response(await self.from_api(request.match_info["key"], await request.read(), request.headers))


def bearer_refusal(api_token: str | None, headers: Mapping[str, str]) -> Reply | None:
    """Why a JSON API call is refused (no token configured, or the wrong one), or ``None`` to let it in."""
    if api_token is None:
        return Reply(503, {"error": "the API is off: set BADBUZZ_API_TOKEN"})
    scheme, _, token = {k.lower(): v for k, v in headers.items()}.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_token.encode()):
        return Reply(401, {"error": "missing or wrong bearer token"})
    return None


def response(reply: Reply) -> web.Response:
    """A :class:`Reply` as an aiohttp (and so Faust web) response."""
    if reply.body is None:
        return web.Response(status=reply.status)
    headers = {"WWW-Authenticate": "Bearer"} if reply.status == 401 else None
    return web.json_response(reply.body, status=reply.status, headers=headers)

"""The silences over HTTP, behind the API's bearer token: list, add, expire.

``GET /api/silences`` lists them with their state, ``POST /api/silences`` adds
one (``ends_at`` or a ``duration`` such as ``"2h"``; it starts now unless
``starts_at`` says otherwise), ``DELETE /api/silences/{id}`` expires one now.
The endpoint neither keeps nor shares silences itself: its store does (on a
worker, a compacted topic read into a global table, so every worker mutes alike).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from slack_sdk.signature import Clock

from badbuzz.alerts.actions import Reply, bearer_refusal, response
from badbuzz.alerts.policy.matchers import Duration, Matcher
from badbuzz.alerts.policy.silences import Silence, Silences, UnknownSilence


class SilenceStore(Protocol):
    def current(self) -> Silences: ...

    async def save(self, silence: Silence) -> None: ...


class SilenceRequest(BaseModel):
    """The JSON body of ``POST /api/silences``."""

    model_config = ConfigDict(extra="forbid")

    matchers: list[Matcher] = Field(min_length=1)
    created_by: str = Field(min_length=1)
    comment: str = Field(min_length=1)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    duration: Duration | None = None

    @model_validator(mode="after")
    def _one_end(self) -> SilenceRequest:
        if (self.ends_at is None) == (self.duration is None):
            raise ValueError("give either ends_at or duration (e.g. 2h)")
        return self

    def silence(self, now: datetime) -> Silence:
        starts_at = self.starts_at or now
        ends_at = self.ends_at or starts_at + (self.duration or timedelta(0))
        if ends_at <= max(starts_at, now):
            raise ValueError(f"this silence would be over before it mutes anything (ends {ends_at.isoformat()})")
        return Silence(
            matchers=self.matchers,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=self.created_by,
            comment=self.comment,
        )


class SilenceApi:
    def __init__(self, store: SilenceStore, *, api_token: str | None, clock: Clock | None = None) -> None:
        self.store = store
        self.api_token = api_token
        self.clock = clock or Clock()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    async def list(self, headers: Mapping[str, str]) -> Reply:
        refusal = bearer_refusal(self.api_token, headers)
        if refusal is not None:
            return refusal
        now = self._now()
        silences = sorted(self.store.current().by_id.values(), key=lambda silence: silence.ends_at, reverse=True)
        return Reply(200, {"silences": [{**s.model_dump(mode="json"), "state": _state(s, now)} for s in silences]})

    async def add(self, body: bytes, headers: Mapping[str, str]) -> Reply:
        refusal = bearer_refusal(self.api_token, headers)
        if refusal is not None:
            return refusal
        try:
            silence = SilenceRequest.model_validate_json(body).silence(self._now())
        except (ValidationError, ValueError) as error:
            return Reply(400, {"error": str(error)})
        await self.store.save(silence)
        return Reply(201, silence.model_dump(mode="json"))

    async def expire(self, silence_id: str, headers: Mapping[str, str]) -> Reply:
        refusal = bearer_refusal(self.api_token, headers)
        if refusal is not None:
            return refusal
        try:
            _, ended = self.store.current().expire(silence_id, self._now())
        except UnknownSilence as error:
            return Reply(404, {"error": str(error)})
        await self.store.save(ended)
        return Reply(200, ended.model_dump(mode="json"))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api/silences", self._list_view),
            web.post("/api/silences", self._add_view),
            web.delete("/api/silences/{id}", self._expire_view),
        ]

    async def _list_view(self, request: web.Request) -> web.Response:
        return response(await self.list(request.headers))

    async def _add_view(self, request: web.Request) -> web.Response:
        return response(await self.add(await request.read(), request.headers))

    async def _expire_view(self, request: web.Request) -> web.Response:
        return response(await self.expire(request.match_info["id"], request.headers))


def _state(silence: Silence, now: datetime) -> str:
    if silence.ends_at <= now:
        return "expired"
    return "active" if silence.starts_at <= now else "pending"

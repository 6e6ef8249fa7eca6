"""The silences API over real HTTP: add, list, expire, behind the bearer token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from badbuzz.alerts.policy.silences import Silence, Silences
from badbuzz.alerts.silence_api import SilenceApi

TOKEN = "api-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class MemoryStore:
    """What a worker's global table does, without Kafka: the latest version of each silence."""

    def __init__(self) -> None:
        self.silences = Silences()

    def current(self) -> Silences:
        return self.silences

    async def save(self, silence: Silence) -> None:
        self.silences = self.silences.add(silence)


@pytest.fixture
async def api() -> AsyncIterator[tuple[TestServer, MemoryStore]]:
    store = MemoryStore()
    app = web.Application()
    app.add_routes(SilenceApi(store, api_token=TOKEN).routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server, store
    await server.close()


async def call(server: TestServer, method: str, path: str, body: dict | None = None, headers=AUTH):
    async with aiohttp.ClientSession() as session:
        data = json.dumps(body).encode() if body is not None else None
        async with session.request(method, server.make_url(path), data=data, headers=headers) as response:
            return response.status, await response.json()


async def test_add_list_and_expire_a_silence(api):
    server, store = api
    status, added = await call(
        server,
        "POST",
        "/api/silences",
        {"matchers": ['brand="acme"'], "duration": "2h", "created_by": "camille", "comment": "TV ad tonight"},
    )
    assert status == 201
    starts = datetime.fromisoformat(added["starts_at"])
    assert datetime.fromisoformat(added["ends_at"]) - starts == timedelta(hours=2)
    assert abs(starts - datetime.now(UTC)) < timedelta(minutes=1)
    labels = {"brand": "acme", "signal": "volume"}
    assert store.current().muting(labels, starts + timedelta(minutes=1)) is not None

    status, listed = await call(server, "GET", "/api/silences")
    assert status == 200 and [(s["id"], s["state"]) for s in listed["silences"]] == [(added["id"], "active")]

    status, expired = await call(server, "DELETE", f"/api/silences/{added['id']}")
    assert status == 200 and expired["comment"] == "TV ad tonight"
    status, listed = await call(server, "GET", "/api/silences")
    assert [s["state"] for s in listed["silences"]] == ["expired"]
    assert store.current().muting(labels, datetime.now(UTC)) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"matchers": ['brand="acme"'], "created_by": "c", "comment": "x"}, "either ends_at or duration"),
        ({"matchers": [], "duration": "1h", "created_by": "c", "comment": "x"}, "matchers"),
        ({"matchers": ['brnd="acme"'], "duration": "1h", "created_by": "c", "comment": "x"}, "unknown label"),
        ({"matchers": ['brand="acme"'], "duration": "1h", "created_by": "c", "comment": ""}, "comment"),
        (
            {"matchers": ['brand="acme"'], "ends_at": "2020-01-01T00:00:00Z", "created_by": "c", "comment": "x"},
            "over before it mutes anything",
        ),
    ],
)
async def test_a_bad_silence_is_refused_with_the_reason(api, body, message):
    server, store = api
    status, reply = await call(server, "POST", "/api/silences", body)
    assert status == 400 and message in reply["error"]
    assert store.current() == Silences()


async def test_the_silences_api_wants_the_token_and_known_ids(api):
    server, _ = api
    assert (await call(server, "GET", "/api/silences", headers={"Authorization": "Bearer nope"}))[0] == 401
    assert (await call(server, "DELETE", "/api/silences/nope"))[0] == 404

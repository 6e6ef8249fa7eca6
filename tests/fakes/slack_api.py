"""A fake Slack Web API: a real HTTP server on loopback that records calls and can fail on demand.

slack-sdk's clients talk to it through ``base_url``, so the real client code (JSON
bodies, auth header, retry handlers) runs in the tests.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class SlackCall:
    method: str
    body: dict
    authorization: str | None


@dataclass(frozen=True)
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict = field(default_factory=lambda: {"ok": False, "error": "fatal_error"})


class FakeSlack:
    """Run in its own thread and loop, so a worker in another process can call it too."""

    channel_id = "C0CRISIS1"

    def __init__(self) -> None:
        self.calls: list[SlackCall] = []
        self.failures: deque[Failure] = deque()
        self._ts = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def fail_next(self, *failures: Failure) -> None:
        """The next requests get these answers, in order, before normal service resumes."""
        self.failures.extend(failures)

    def messages(self, *, threaded: bool | None = None) -> list[dict]:
        """Bodies of chat.postMessage calls: top-level ones, thread replies, or all."""
        posts = [call.body for call in list(self.calls) if call.method == "chat.postMessage"]
        if threaded is None:
            return posts
        return [body for body in posts if ("thread_ts" in body) == threaded]

    def updates(self) -> list[dict]:
        return [call.body for call in list(self.calls) if call.method == "chat.update"]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            body = await request.json()
        else:
            body = dict(await request.post())
        self.calls.append(SlackCall(method, body, request.headers.get("Authorization")))
        if self.failures:
            failure = self.failures.popleft()
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if request.headers.get("Authorization") != "Bearer xoxb-test-token":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return web.json_response(
                {"ok": True, "channel": self.channel_id, "ts": ts, "message": {"text": body.get("text")}}
            )
        if method == "chat.update":
            return web.json_response({"ok": True, "channel": body["channel"], "ts": body["ts"]})
        return web.json_response({"ok": False, "error": "unknown_method"})

    def start(self) -> FakeSlack:
        started = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/api/{method}", self._handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, name="fake-slack", daemon=True).start()
        started.wait(5)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)

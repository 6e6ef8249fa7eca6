"""The base of the fake services: a real aiohttp server on loopback, in its own thread and loop.

The notifiers' real HTTP clients talk to it. It records every request and can be
told to fail: the next few requests (``fail_next``), or all of them for a while
(``down``), with any status, headers and delay, so rate limits, server errors,
timeouts and outages are tested over real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

S = TypeVar("S", bound="FakeServer")


@dataclass(frozen=True)
class Failure:
    """An answer in place of the normal one; a ``delay`` longer than the client's timeout is a hung server."""

    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=lambda: {"ok": False, "error": "fatal_error"})
    delay: float = 0.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    failed: bool = False
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


RECORDED = web.RequestKey("recorded", Request)


class FakeServer:
    """Subclasses add their routes in :meth:`routes`; failures are answered before the routes run.

    Handlers find the request as recorded (its body already read) in ``request[RECORDED]``.
    """

    name = "fake"

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.failures: deque[Failure] = deque()
        self.down: Failure | None = None
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, *failures: Failure) -> None:
        """The next requests get these answers, in order, before normal service resumes."""
        self.failures.extend(failures)

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @web.middleware
    async def _record_and_fail(self, request: web.Request, handler) -> web.StreamResponse:
        body = await request.read()
        failure = self.down or (self.failures.popleft() if self.failures else None)
        recorded = Request(
            request.method, request.path, dict(request.query), dict(request.headers), body, failed=failure is not None
        )
        self.requests.append(recorded)
        request[RECORDED] = recorded
        if failure is None:
            return await handler(request)
        if failure.delay:
            await asyncio.sleep(failure.delay)
        if isinstance(failure.body, str):
            return web.Response(text=failure.body, status=failure.status, headers=failure.headers)
        return web.json_response(failure.body, status=failure.status, headers=failure.headers)

    def start(self):
        started = threading.Event()

        async def serve() -> None:
            app = web.Application(middlewares=[self._record_and_fail])
            self.routes(app)
            self._runner = web.AppRunner(app, shutdown_timeout=0.5)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            started.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, name=self.name, daemon=True).start()
        if not started.wait(5):
            raise RuntimeError(f"{self.name} did not start")
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)


@contextmanager
def running(server: S) -> Iterator[S]:
    """A started fake, stopped on the way out."""
    server.start()
    try:
        yield server
    finally:
        server.stop()

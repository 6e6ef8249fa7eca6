"""A fake Slack Web API: a real HTTP server on loopback that records calls and can fail on demand.

slack-sdk's clients talk to it through ``base_url``, so the real client code (JSON
bodies, auth header, retry handlers, the three steps of ``files_upload_v2``) runs
in the tests.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.server import RECORDED, Failure, FakeServer, Request

__all__ = ["Failure", "FakeSlack", "SlackCall", "SlackFile"]

TOKEN = "xoxb-test-token"


@dataclass(frozen=True)
class SlackCall:
    method: str
    body: dict
    authorization: str | None
    failed: bool = False


@dataclass
class SlackFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes = b""
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None


class FakeSlack(FakeServer):
    """Run in its own thread and loop, so a worker in another process can call it too."""

    name = "fake-slack"
    channel_id = "C0CRISIS1"

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, SlackFile] = {}
        #: Methods answering an error, e.g. ``{"files.getUploadURLExternal": "missing_scope"}``.
        self.errors: dict[str, str] = {}
        #: Messages posted (thread replies included), by the ``ts`` the fake gave them.
        self.posted: dict[str, dict] = {}
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"{self.base_url}/api/"

    @property
    def calls(self) -> list[SlackCall]:
        """Web API calls (uploads to the upload URL, which take no token, left out)."""
        return [
            SlackCall(
                request.path.removeprefix("/api/"),
                arguments(request),
                request.headers.get("Authorization"),
                request.failed,
            )
            for request in list(self.requests)
            if request.path.startswith("/api/")
        ]

    def messages(self, *, threaded: bool | None = None) -> list[dict]:
        """Bodies of the chat.postMessage calls answered normally: top-level ones, thread replies, or all."""
        posts = [call.body for call in self.calls if call.method == "chat.postMessage" and not call.failed]
        if threaded is None:
            return posts
        return [body for body in posts if ("thread_ts" in body) == threaded]

    def updates(self) -> list[dict]:
        return [call.body for call in self.calls if call.method == "chat.update" and not call.failed]

    def shared_files(self) -> list[SlackFile]:
        """Files uploaded and shared to a channel, in order."""
        return [file for file in self.files.values() if file.channel is not None]

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/upload/v1/{file_id}", self._upload)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = arguments(request[RECORDED])
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method in self.errors:
            return web.json_response({"ok": False, "error": self.errors[method]})
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            self.posted[ts] = body
            return web.json_response(
                {"ok": True, "channel": self.channel_id, "ts": ts, "message": {"text": body.get("text")}}
            )
        if method == "chat.update":
            return web.json_response({"ok": True, "channel": body["channel"], "ts": body["ts"]})
        if method == "files.getUploadURLExternal":
            file = SlackFile(
                f"F0UPLOAD{next(self._file_ids):04d}", body["filename"], int(body["length"]), body.get("alt_txt")
            )
            self.files[file.id] = file
            return web.json_response(
                {"ok": True, "file_id": file.id, "upload_url": f"{self.base_url}/upload/v1/{file.id}"}
            )
        if method == "files.completeUploadExternal":
            shared = []
            for item in json.loads(body["files"]):
                file = self.files[item["id"]]
                file.title = item.get("title")
                file.channel = body.get("channel_id")
                file.thread_ts = body.get("thread_ts")
                file.initial_comment = body.get("initial_comment")
                shared.append({"id": file.id, "title": file.title, "name": file.filename})
            return web.json_response({"ok": True, "files": shared})
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="no such upload")
        file.data = await request.read()
        if len(file.data) != file.length:
            return web.Response(status=400, text="length mismatch")
        return web.Response(text=f"OK - {len(file.data)}")


def arguments(request: Request) -> dict:
    """A Web API call's arguments, wherever the client put them: query, form or JSON body."""
    body: dict = dict(request.query)
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        body |= json.loads(request.body)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        body |= dict(parse_qsl(request.body.decode()))
    return body

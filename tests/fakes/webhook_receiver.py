"""A webhook receiver that checks Standard Webhooks signatures and drops redelivered ids, as a good one does."""

from __future__ import annotations

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.fakes.server import FakeServer

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class FakeWebhookReceiver(FakeServer):
    name = "fake-webhook-receiver"

    def __init__(self, secret: str = SECRET) -> None:
        super().__init__()
        self.verifier = Webhook(secret)
        #: Verified bodies by webhook-id: what the receiver acted on, once each.
        self.received: dict[str, dict] = {}
        self.duplicates: list[str] = []
        self.forged = 0

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/badbuzz"

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/hooks/badbuzz", self._receive)

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.text()
        try:
            payload = self.verifier.verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.forged += 1
            return web.json_response({"error": "invalid signature"}, status=401)
        message_id = request.headers["webhook-id"]
        if message_id in self.received:
            self.duplicates.append(message_id)
        else:
            self.received[message_id] = payload
        return web.Response(status=204)

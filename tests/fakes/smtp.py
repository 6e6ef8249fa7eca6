"""A local SMTP server (aiosmtpd) that keeps what it accepts and can answer errors or hang on demand."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections import deque
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from badbuzz.streams.tooling.broker import free_port

USERNAME, PASSWORD = "badbuzz", "s3cret"


class SmtpRecorder:
    """The server's handler: ``fail_next`` takes SMTP replies to DATA (``"451 4.3.0 Try later"``) or seconds to hang."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.failures: deque[str | float] = deque()
        self.attempts = 0

    def fail_next(self, *failures: str | float) -> None:
        self.failures.extend(failures)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.attempts += 1
        if self.failures:
            failure = self.failures.popleft()
            if isinstance(failure, str):
                return failure
            # A server that hangs never takes the message, even after the client gave up on it.
            await asyncio.sleep(failure)
            return "421 4.4.2 Timed out"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 OK: queued"


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd answers the 535 itself.
    return AuthResult(success=valid, handled=False)


class FakeSmtp:
    """A running aiosmtpd on a free loopback port; with ``tls``, it requires STARTTLS and authentication."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.recorder = SmtpRecorder()
        self.port = free_port()
        self.tls = tls
        self._controller: Controller | None = None

    def start(self) -> FakeSmtp:
        self._controller = Controller(
            self.recorder,
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            tls_context=self.tls,
            require_starttls=self.tls is not None,
            authenticator=authenticate if self.tls is not None else None,
            auth_require_tls=True,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

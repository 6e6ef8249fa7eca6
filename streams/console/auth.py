"""Who may use the console: the API token, once, for a signed session cookie naming the person.

A local tool's login: the token is entered once (or arrives in the link ``badbuzz
demo`` prints), with the name the person's actions will carry; the worker then
keeps nothing, the cookie is signed with the token. Forms carry a CSRF token tied
to the session, and the cookie is ``SameSite=Strict`` and ``HttpOnly``.

>>> auth = ConsoleAuth("s3cret", now=lambda: 1_000.0)
>>> session = auth.login("s3cret", "camille")
>>> auth.user(session), auth.user(session + "x"), auth.login("wrong", "camille")
('camille', None, None)
>>> auth.csrf_ok(session, auth.csrf(session)), auth.csrf_ok(session, "forged")
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

COOKIE = "badbuzz_console"
#: A session lasts a long on-call night, not forever.
SESSION_SECONDS = 12 * 3600
NAME_MAX_CHARS = 64


class ConsoleAuth:
    def __init__(self, api_token: str | None, now: Callable[[], float] = time.time) -> None:
        self.api_token = api_token
        self.now = now

    @property
    def enabled(self) -> bool:
        return bool(self.api_token)

    def token_ok(self, token: str) -> bool:
        return self.enabled and hmac.compare_digest(token.strip().encode(), self.api_token.encode())

    def login(self, token: str, name: str) -> str | None:
        """A session cookie's value for ``name``, or ``None`` when the token is wrong or the name empty."""
        name = " ".join(name.split())[:NAME_MAX_CHARS]
        if not name or not self.token_ok(token):
            return None
        body = f"{base64.urlsafe_b64encode(name.encode()).decode()}.{int(self.now())}"
        return f"{body}.{self._sign('session', body)}"

    def user(self, session: str | None) -> str | None:
        """Who holds this session, if it is genuine and current."""
        if not session or not self.enabled:
            return None
        body, _, signature = session.rpartition(".")
        if not hmac.compare_digest(signature.encode(), self._sign("session", body).encode()):
            return None
        encoded, _, issued = body.partition(".")
        try:
            if self.now() - int(issued) > SESSION_SECONDS:
                return None
            return base64.urlsafe_b64decode(encoded.encode()).decode()
        except ValueError:
            return None

    def csrf(self, session: str) -> str:
        return self._sign("csrf", session)

    def csrf_ok(self, session: str, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.csrf(session).encode())

    def _sign(self, purpose: str, text: str) -> str:
        assert self.api_token is not None
        return hmac.new(self.api_token.encode(), f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()

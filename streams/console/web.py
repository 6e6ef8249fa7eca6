"""The incident console, on the worker's web port: open and recent incidents, each brand's signals.

Pages (server-rendered, readable without JavaScript; actions are plain forms):

- ``GET /console``: open incidents, recent ones, and per brand the last hours of
  volume and negative share against the usual band;
- ``GET /console/incidents/{brand}/{signal}``: an incident (the latest of that dedup
  key, or ``?opened_at=``) with its context, timeline and the Slack buttons' actions;
- ``GET /console/brands/{brand}``: a brand's signals and its incidents;
- ``GET|POST /console/login``, ``POST /console/logout``.

Everything is behind the API token (``BADBUZZ_API_TOKEN``), exchanged once for a
session cookie (:mod:`badbuzz.streams.console.auth`). A worker shows the brands whose
partitions it owns, as its tables hold them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from badbuzz.alerts import facts, i18n
from badbuzz.alerts.i18n import N_, Language, _
from badbuzz.alerts.incidents import (
    Action,
    IncidentFeedback,
    IncidentStatus,
    dedup_key,
    noun,
    severity_text,
    value_text,
)
from badbuzz.detectors.anomaly.brand import BrandWatch
from badbuzz.streams.console.auth import COOKIE, SESSION_SECONDS, ConsoleAuth
from badbuzz.streams.console.charts import series_svg
from badbuzz.streams.console.journal import Record
from badbuzz.vocabulary.signals import Signal

Publish = Callable[[IncidentFeedback], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Records = Callable[[str], list[Record]]
Watch = Callable[[str], BrandWatch | None]

TEMPLATES = Path(__file__).parent / "templates"
#: The signals a manager looks at for a brand: how much is said, and how bad it is.
BRAND_SIGNALS = (Signal.VOLUME, Signal.NEGATIVE_SHARE)
ACTION_LABELS = {
    Action.ACKNOWLEDGE: N_("Acknowledge"),
    Action.ESCALATE: N_("Escalate to PR"),
    Action.FALSE_POSITIVE: N_("Not a crisis"),
    Action.REAL_CRISIS: N_("Real crisis"),
}
STATUS_LABELS = {IncidentStatus.OPEN: N_("ongoing"), IncidentStatus.RESOLVED: N_("resolved")}


def available_actions(record: Record) -> list[Action]:
    """The same buttons the Slack message shows, by the same rules."""
    incident = record.incident
    actions = []
    if record.is_open and not incident.acknowledged_by:
        actions.append(Action.ACKNOWLEDGE)
    if record.is_open and not incident.escalated_by:
        actions.append(Action.ESCALATE)
    if incident.verdict is None:
        actions += [Action.FALSE_POSITIVE, Action.REAL_CRISIS]
    return actions


class Console:
    """The console's handlers, over readers of the worker's tables (so a test can give its own)."""

    def __init__(
        self,
        *,
        auth: ConsoleAuth,
        publish: Publish,
        records: Records,
        watch: Watch,
        brands: Callable[[], Iterable[str]],
        zone_of: Callable[[str], ZoneInfo],
        language: Language = Language.ENGLISH,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.language = language
        self.auth = auth
        self.publish = publish
        self.records = records
        self.watch = watch
        self.brands = brands
        self.zone_of = zone_of
        self.now = now
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
        )
        self.templates.install_gettext_callables(gettext=_, ngettext=i18n.ngettext, newstyle=True)
        self.templates.globals.update(
            facts=facts,
            quote=quote,
            labels=ACTION_LABELS,
            noun=noun,
            severity_text=severity_text,
            value=value_text,
            number=i18n.number,
            local=local_time,
        )

    def routes(self) -> list[web.RouteDef]:
        speaks = self._speaking
        return [
            web.get("/console", speaks(self.overview)),
            web.get("/console/", speaks(self.overview)),
            web.get("/console/login", speaks(self.login_form)),
            web.post("/console/login", speaks(self.login)),
            web.post("/console/logout", self.logout),
            web.get("/console/brands/{brand}", speaks(self.brand_page)),
            web.get("/console/incidents/{brand}/{signal}", speaks(self.incident_page)),
            web.post("/console/incidents/{brand}/{signal}/actions", speaks(self.act)),
        ]

    def _speaking(self, handler: Handler) -> Handler:
        """``handler`` answering in the console's language (words, numbers, times)."""

        async def speaking(request: web.Request) -> web.StreamResponse:
            with i18n.speaking(self.language):
                return await handler(request)

        return speaking

    # Sessions

    def _session(self, request: web.Request) -> tuple[str, str] | None:
        session = request.cookies.get(COOKIE)
        user = self.auth.user(session)
        return (session, user) if user and session else None

    def _login_redirect(self, request: web.Request) -> web.Response:
        if not self.auth.enabled:
            return self._render("off.html", None, status=503)
        raise web.HTTPSeeOther(f"/console/login?{urlencode({'next': request.path_qs})}")

    async def login_form(self, request: web.Request) -> web.Response:
        if not self.auth.enabled:
            return self._render("off.html", None, status=503)
        return self._render(
            "login.html",
            None,
            token=request.query.get("token", ""),
            next=_local_path(request.query.get("next", "/console")),
            error=None,
        )

    async def login(self, request: web.Request) -> web.Response:
        if not self.auth.enabled:
            return self._render("off.html", None, status=503)
        form = await request.post()
        token, name = str(form.get("token", "")), str(form.get("name", ""))
        target = _local_path(str(form.get("next", "/console")))
        session = self.auth.login(token, name)
        if session is None:
            error = _("Enter your name.") if self.auth.token_ok(token) else _("That is not the console's token.")
            return self._render("login.html", None, status=401, token="", next=target, error=error)
        answer = web.HTTPSeeOther(target)
        answer.set_cookie(COOKIE, session, max_age=SESSION_SECONDS, path="/console", httponly=True, samesite="Strict")
        raise answer

    async def logout(self, request: web.Request) -> web.Response:
        answer = web.HTTPSeeOther("/console/login")
        answer.del_cookie(COOKIE, path="/console")
        raise answer

    # Pages

    async def overview(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._login_redirect(request)
        brands = sorted(set(self.brands()))
        records = [record for brand in brands for record in self.records(brand)]
        records.sort(key=lambda record: record.timeline[-1].at if record.timeline else record.incident.opened_at)
        records.reverse()
        return self._render(
            "overview.html",
            session,
            open_records=[r for r in records if r.is_open],
            recent=[r for r in records if not r.is_open][:20],
            brands=[self._brand_view(brand, compact=True) for brand in brands],
        )

    async def brand_page(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._login_redirect(request)
        brand = request.match_info["brand"]
        if brand not in set(self.brands()):
            raise web.HTTPNotFound(text=f"no brand {brand!r} on this worker")
        return self._render(
            "brand.html", session, brand=self._brand_view(brand, compact=False), records=self.records(brand)
        )

    async def incident_page(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            return self._login_redirect(request)
        record = self._record(request)
        zone = self.zone_of(record.incident.brand)
        incident = record.incident
        chart = series_svg(
            incident.context.history,
            title=_("{brand} {noun}, last {n} windows").format(
                brand=incident.brand, noun=noun(incident.signal), n=len(incident.context.history)
            ),
            zone=zone,
            format_value=partial(value_text, incident.signal),
            whole_numbers=not incident.signal.is_share,
            chart_id="incident-chart",
        )
        return self._render(
            "incident.html",
            session,
            record=record,
            incident=incident,
            chart=chart,
            actions=available_actions(record),
            csrf=self.auth.csrf(session[0]),
            sent=request.query.get("sent"),
            zone=zone,
        )

    async def act(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if session is None:
            raise web.HTTPUnauthorized(text="log in to the console first")
        form = await request.post()
        if not self.auth.csrf_ok(session[0], str(form.get("csrf", ""))):
            raise web.HTTPForbidden(text="this form is not one the console gave you (CSRF token)")
        record = self._record(request, opened_at=str(form.get("opened_at", "")))
        try:
            action = Action(str(form.get("action", "")))
        except ValueError:
            raise web.HTTPBadRequest(text=f"unknown action {form.get('action')!r}") from None
        incident = record.incident
        await self.publish(
            IncidentFeedback(
                dedup_key=incident.dedup_key,
                opened_at=incident.opened_at,
                action=action,
                user=session[1],
                at=self.now(),
            )
        )
        query = urlencode({"opened_at": incident.opened_at.isoformat(), "sent": str(action)})
        raise web.HTTPSeeOther(f"/console/incidents/{quote(incident.brand)}/{incident.signal}?{query}")

    # Helpers

    def _record(self, request: web.Request, opened_at: str | None = None) -> Record:
        brand, signal = request.match_info["brand"], request.match_info["signal"]
        opened_at = opened_at or request.query.get("opened_at")
        try:
            key = dedup_key(brand, Signal(signal))
        except ValueError:
            raise web.HTTPNotFound(text=f"no signal {signal!r}") from None
        matching = [record for record in self.records(brand) if record.incident.dedup_key == key]
        if opened_at:
            try:
                when = datetime.fromisoformat(opened_at)
            except ValueError:
                raise web.HTTPBadRequest(text=f"not a time: {opened_at!r}") from None
            matching = [record for record in matching if record.incident.opened_at == when]
        if not matching:
            raise web.HTTPNotFound(text=f"no incident {key} on this worker")
        return max(matching, key=lambda record: record.incident.opened_at)

    def _brand_view(self, brand: str, *, compact: bool) -> dict:
        watch = self.watch(brand)
        zone = self.zone_of(brand)
        charts = []
        for signal in BRAND_SIGNALS:
            history = watch.history(signal) if watch is not None else ()
            latest = history[-1] if history else None
            charts.append(
                {
                    "signal": signal,
                    "latest": latest,
                    "svg": series_svg(
                        history,
                        title=_("{brand} {noun} per window, against the usual band").format(
                            brand=brand, noun=noun(signal)
                        ),
                        zone=zone,
                        format_value=partial(value_text, signal),
                        whole_numbers=not signal.is_share,
                        chart_id=f"{brand}-{signal}" + ("-compact" if compact else ""),
                    ),
                }
            )
        return {"name": brand, "zone": zone, "charts": charts}

    def _render(self, template: str, session: tuple[str, str] | None, *, status: int = 200, **values) -> web.Response:
        html = self.templates.get_template(template).render(
            user=session[1] if session else None,
            zone_of=self.zone_of,
            lang=self.language.value,
            status_labels=STATUS_LABELS,
            **values,
        )
        return web.Response(
            text=html,
            status=status,
            content_type="text/html",
            headers={
                "Cache-Control": "no-store",
                # No script, no framing, nothing fetched from elsewhere: the pages need none of it.
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )


def local_time(moment: datetime | None, zone: ZoneInfo, with_day: bool = True) -> str:
    """A time in the brand's zone, with the zone's abbreviation, e.g. ``"2 Mar 15:03 CET"``."""
    return "" if moment is None else i18n.moment(moment, zone, day=with_day)


def _local_path(target: str) -> str:
    """Only paths of the console itself, so a crafted link cannot send someone elsewhere after logging in."""
    return target if target.startswith("/console") and "//" not in target and "\\" not in target else "/console"

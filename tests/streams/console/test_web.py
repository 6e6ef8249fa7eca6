"""The console's pages and forms over real HTTP: sign-in, CSRF, the incident and its actions."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from badbuzz.alerts.i18n import Language
from badbuzz.alerts.incidents import Action, Change, IncidentEvent, IncidentFeedback
from badbuzz.streams.console.auth import ConsoleAuth
from badbuzz.streams.console.journal import remember
from badbuzz.streams.console.web import Console
from tests.alerts.factories import CRISIS_AT, crisis

TOKEN = "console-token-for-tests"
PARIS = ZoneInfo("Europe/Paris")


class Site:
    def __init__(self, server: TestServer, published: list[IncidentFeedback]) -> None:
        self.server = server
        self.published = published

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))


@pytest.fixture(params=[Language.ENGLISH])
async def site(request) -> AsyncIterator[Site]:
    published: list[IncidentFeedback] = []
    records = remember([], IncidentEvent(change=Change.OPENED, incident=crisis()), CRISIS_AT + timedelta(minutes=10))

    async def publish(feedback: IncidentFeedback) -> None:
        published.append(feedback)

    console = Console(
        auth=ConsoleAuth(TOKEN),
        publish=publish,
        records=lambda brand: records if brand == "nuvola" else [],
        watch=lambda brand: None,
        brands=lambda: ["nuvola", "velocia"],
        zone_of=lambda brand: PARIS,
        language=request.param,
        now=lambda: datetime(2026, 3, 2, 14, 12, tzinfo=UTC),
    )
    app = web.Application()
    app.add_routes(console.routes())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield Site(server, published)
    await server.close()


def browser() -> aiohttp.ClientSession:
    # Browsers keep cookies of 127.0.0.1; aiohttp's jar does only when told to.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def signed_in(site: Site, session: aiohttp.ClientSession) -> None:
    async with session.post(
        site.url("/console/login"), data={"token": TOKEN, "name": "Camille", "next": "/console"}
    ) as answer:
        assert answer.status == 200 and answer.url.path == "/console"


async def test_pages_ask_for_the_token_then_show_the_incident_in_the_brands_time(site):
    async with browser() as session:
        async with session.get(site.url("/console")) as answer:
            assert answer.url.path == "/console/login"
        async with session.post(site.url("/console/login"), data={"token": "wrong", "name": "x"}) as answer:
            assert answer.status == 401 and "not the console" in await answer.text()
        await signed_in(site, session)
        async with session.get(site.url("/console")) as answer:
            overview = await answer.text()
        assert "Signed in as Camille" in overview
        assert "612 negative mentions in 10 min, usually 40 (33–48)" in overview
        assert "2 Mar 15:00 CET" in overview, "times in the brand's zone"
        async with session.get(site.url("/console/incidents/nuvola/negative_volume")) as answer:
            page = await answer.text()
            assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert '<svg class="chart" id="incident-chart"' in page and "<desc" in page
    assert "#NuvolaPanne" in page and "fr 71 %" in page and "@claire_b" in page
    assert "&lt;!channel&gt;" in page, "post text is escaped"
    assert [m for m in re.findall(r'name="action" value="(\w+)"', page)] == [a.value for a in Action]


async def test_an_action_is_published_with_the_signed_in_name_and_needs_the_forms_csrf_token(site):
    async with browser() as session:
        await signed_in(site, session)
        async with session.get(site.url("/console/incidents/nuvola/negative_volume")) as answer:
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', await answer.text()).group(1)
        form = {"action": "acknowledge", "opened_at": CRISIS_AT.isoformat()}
        async with session.post(
            site.url("/console/incidents/nuvola/negative_volume/actions"), data={**form, "csrf": "forged"}
        ) as answer:
            assert answer.status == 403
        async with session.post(
            site.url("/console/incidents/nuvola/negative_volume/actions"), data={**form, "csrf": csrf}
        ) as answer:
            assert answer.status == 200 and "Sent: Acknowledge" in await answer.text()
    (feedback,) = site.published
    assert (feedback.dedup_key, feedback.opened_at, feedback.action, feedback.user) == (
        "nuvola/negative_volume",
        CRISIS_AT,
        Action.ACKNOWLEDGE,
        "Camille",
    )
    async with browser() as stranger:
        async with stranger.post(
            site.url("/console/incidents/nuvola/negative_volume/actions"), data={**form, "csrf": csrf}
        ) as answer:
            assert answer.status == 401
    assert len(site.published) == 1


async def test_a_sign_in_link_does_not_send_people_elsewhere(site):
    async with browser() as session:
        async with session.get(site.url("/console/login"), params={"token": TOKEN, "next": "//evil.example/"}) as a:
            page = await a.text()
    assert 'name="next" value="/console"' in page and f'name="token" value="{TOKEN}"' in page


@pytest.mark.parametrize("site", [Language.FRENCH], indirect=True)
async def test_the_console_speaks_french_when_the_team_does(site):
    async with browser() as session:
        async with session.post(
            site.url("/console/login"), data={"token": TOKEN, "name": "Camille", "next": "/console"}
        ) as answer:
            overview = await answer.text()
        async with session.get(site.url("/console/incidents/nuvola/negative_volume")) as answer:
            page = await answer.text()
    assert '<html lang="fr">' in page and "Connecté en tant que Camille" in overview
    assert "612 mentions négatives en 10 min, habituellement 40 (33–48)" in overview
    assert "2 mars 15:00 CET" in overview, "times in the brand's zone, as French writes them"
    assert "Prendre en charge" in page and "Alerter les RP" in page and "Fausse alerte" in page
    assert "Publications les plus vues" in page and "2,4\u00a0M abonnés" in page

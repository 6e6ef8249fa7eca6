"""Incidents as the notifiers get them: a realistic French crisis with its full context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from badbuzz.alerts.context import IncidentContext, TopAuthor
from badbuzz.alerts.incidents import Change, Incident, IncidentEvent, IncidentStatus, Reading, Signal
from badbuzz.alerts.notify.delivery import Notification
from badbuzz.vocabulary.context import SeriesPoint, Term
from badbuzz.vocabulary.records import Platform, SamplePost
from badbuzz.vocabulary.signals import Severity

OPENED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)

POST_TEXTS = (
    "Ça fait TROIS jours que ma box Nuvola est en panne 😡😡 et le service client me raccroche au nez. "
    "Je résilie dès demain, c'est honteux !!! #NuvolaPanne #boycott <!channel> & <https://evil.example|clique ici>",
    "Nuvola a encore coupé internet dans tout le quartier, mes enfants ne peuvent pas faire leurs devoirs en ligne… "
    "Quelqu'un sait si on peut se faire rembourser ? 🤬 #NuvolaPanne",
    "Thread 🧵 : tout ce que Nuvola ne vous dit pas sur la panne géante d'aujourd'hui. 1/12 " * 3,
    "Honnêtement je comprends pas le bad buzz, chez moi tout marche 🤷‍♀️ @Nuvola_FR",
    "RT si toi aussi tu as attendu 2h au téléphone pour rien 📞⏳ #NuvolaPanne #ServiceClientFail",
)


def history(points: int = 18) -> tuple[SeriesPoint, ...]:
    """Three hours of 10-minute windows, calm then spiking."""
    start = OPENED_AT - (points - 3) * WINDOW
    values = [38, 41, 36, 44, 40, 39, 35, 42, 47, 43, 38, 40, 37, 44, 45, 180, 420, 612][-points:]
    return tuple(
        SeriesPoint(
            start=start + index * WINDOW,
            value=value,
            usual=40,
            usual_low=33,
            usual_high=48,
            anomalous=value > 48 * 2,
        )
        for index, value in enumerate(values)
    )


def context(**changes) -> IncidentContext:
    fields = dict(
        history=history(),
        volume=1055,
        negative=612,
        negative_share=0.58,
        usual_negative_share=0.12,
        repost_share=0.62,
        suspected_bots=14,
        top_posts=tuple(
            SamplePost(
                id=f"x:{index}",
                platform=(Platform.X, Platform.FACEBOOK, Platform.TIKTOK)[index % 3],
                author=("claire_b", "papa_geek_69", "le_zapping_tech", "sophie.m", "nico_dépanne")[index],
                followers=(2_400_000, 12_340, 845_000, 950, 31_000)[index],
                text=text[:280],
                url=f"https://x.example/status/{1893 + index}",
                reach=(1_800_000, 9_000, 610_000, 700, 25_000)[index],
                sentiment="negative" if index != 3 else "positive",
            )
            for index, text in enumerate(POST_TEXTS)
        ),
        top_authors=tuple(
            TopAuthor(handle=handle, platform="x", followers=followers, mentions=mentions)
            for handle, followers, mentions in (
                ("claire_b", 2_400_000, 12),
                ("le_zapping_tech", 845_000, 7),
                ("nico_dépanne", 31_000, 5),
                ("papa_geek_69", 12_340, 4),
                ("ultra_fan_nuvola_officiel_du_sud_ouest_" * 2, 120, 3),
                ("bot_1234", 3, 40),
            )
        ),
        emerging_terms=tuple(
            Term(term=term, count=count, usual=usual)
            for term, count, usual in (
                ("#NuvolaPanne", 212, 3),
                ("résiliation", 88, 1),
                ("remboursement", 61, 2),
                ("service client", 57, 9),
                ("#boycott", 41, 0),
                ("panne géante", 33, 0),
                ("😡", 30, 2),
                ("#ServiceClientFail", 25, 0),
                ("coupure", 21, 1),
                ("arnaque", 19, 1),
                ("quartier", 12, 2),
                ("devoirs", 9, 0),
            )
        ),
        languages={"fr": 751, "en": 254, "es": 30, "de": 12, "und": 8},
        platforms={"x": 633, "facebook": 211, "tiktok": 158, "reddit": 41, "news": 12},
        dashboard_url="https://grafana.example/d/badbuzz/brand?var-brand=nuvola&from=1772454000000&to=1772467800000",
        runbook_url="https://wiki.example/runbooks/nuvola-bad-buzz",
    )
    return IncidentContext(**{**fields, **changes})


def incident(**changes) -> Incident:
    reading = Reading(value=612, score=31.4, window_start=OPENED_AT, window_end=OPENED_AT + WINDOW)
    fields = dict(
        brand="nuvola",
        signal=Signal.NEGATIVE_VOLUME,
        status=IncidentStatus.OPEN,
        severity=Severity.CRITICAL,
        revision=1,
        opened_at=OPENED_AT,
        current=reading,
        peak=reading,
        usual=40,
        usual_low=33,
        usual_high=48,
        window_seconds=600,
        context=context(),
    )
    return Incident(**{**fields, **changes})


def resolved(**changes) -> Incident:
    calm = Reading(value=41, score=0.4, window_start=OPENED_AT + 9 * WINDOW, window_end=OPENED_AT + 10 * WINDOW)
    return incident(
        **{
            "status": IncidentStatus.RESOLVED,
            "revision": 2,
            "current": calm,
            "resolved_at": OPENED_AT + 10 * WINDOW,
            **changes,
        }
    )


def notification(change: Change = Change.OPENED, channel: str = "test", **changes) -> Notification:
    made = resolved(**changes) if change is Change.RESOLVED else incident(**changes)
    return Notification(channel=channel, event=IncidentEvent(change=change, incident=made))

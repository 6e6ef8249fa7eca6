"""Incidents and their changes for the alert tests, from one factory: :func:`incident`.

:func:`incident` is an incident as the tracker makes it, of any brand and signal;
``crisis`` is the realistic one the notifiers are shown, a French bad buzz with its
full context (``crisis_over`` once it ended), and :func:`notification` a change of it
on its way to a channel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from badbuzz.alerts.context import IncidentContext
from badbuzz.alerts.incidents import Action, Change, Incident, IncidentEvent, IncidentStatus, Reading
from badbuzz.alerts.notify.delivery import Notification
from badbuzz.vocabulary.context import SeriesPoint, Term
from badbuzz.vocabulary.records import Platform, SamplePost, TopAuthor
from badbuzz.vocabulary.signals import Severity, Signal

OPENED_AT = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)


def incident(
    brand: str = "acme",
    signal: Signal = Signal.VOLUME,
    severity: Severity = Severity.WARNING,
    *,
    revision: int = 1,
    opened_at: datetime = OPENED_AT,
    value: float = 300,
    score: float = 12.0,
    window_seconds: int = 60,
    resolved: bool = False,
    resolved_at: datetime | None = None,
    current: Reading | None = None,
    context: IncidentContext | None = None,
    acknowledged_by: str | None = None,
    escalated_by: str | None = None,
    verdict: Action | None = None,
    verdict_by: str | None = None,
) -> Incident:
    """An incident that peaked at ``value`` in its first window; ``current`` is the latest, the peak by default.

    A resolved one ended at ``resolved_at``, half an hour after it opened unless said.
    """
    peak = Reading(
        value=value, score=score, window_start=opened_at, window_end=opened_at + timedelta(seconds=window_seconds)
    )
    if resolved and resolved_at is None:
        resolved_at = opened_at + timedelta(minutes=30)
    return Incident(
        brand=brand,
        signal=signal,
        status=IncidentStatus.RESOLVED if resolved else IncidentStatus.OPEN,
        severity=severity,
        revision=revision,
        opened_at=opened_at,
        resolved_at=resolved_at if resolved else None,
        current=current or peak,
        peak=peak,
        usual=40,
        usual_low=33,
        usual_high=48,
        window_seconds=window_seconds,
        context=context or IncidentContext(),
        acknowledged_by=acknowledged_by,
        escalated_by=escalated_by,
        verdict=verdict,
        verdict_by=verdict_by,
    )


def event(change: Change, subject: Incident) -> IncidentEvent:
    return IncidentEvent(change=change, incident=subject)


# The crisis the notifiers are shown

CRISIS_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
CRISIS_WINDOW = timedelta(minutes=10)

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
    start = CRISIS_AT - (points - 3) * CRISIS_WINDOW
    values = [38, 41, 36, 44, 40, 39, 35, 42, 47, 43, 38, 40, 37, 44, 45, 180, 420, 612][-points:]
    return tuple(
        SeriesPoint(
            start=start + index * CRISIS_WINDOW,
            value=value,
            usual=40,
            usual_low=33,
            usual_high=48,
            anomalous=value > 48 * 2,
        )
        for index, value in enumerate(values)
    )


def crisis_context() -> IncidentContext:
    return IncidentContext(
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


#: Nuvola's negative mentions at 612 in 10 minutes against 40, critical; any field of :func:`incident` may change.
crisis = partial(
    incident,
    "nuvola",
    Signal.NEGATIVE_VOLUME,
    severity=Severity.CRITICAL,
    opened_at=CRISIS_AT,
    value=612,
    score=31.4,
    window_seconds=int(CRISIS_WINDOW.total_seconds()),
    context=crisis_context(),
)
#: The crisis over, back to 41 ten windows after it opened.
crisis_over = partial(
    crisis,
    revision=2,
    resolved=True,
    resolved_at=CRISIS_AT + 10 * CRISIS_WINDOW,
    current=Reading(
        value=41, score=0.4, window_start=CRISIS_AT + 9 * CRISIS_WINDOW, window_end=CRISIS_AT + 10 * CRISIS_WINDOW
    ),
)


def notification(
    change: Change = Change.OPENED, subject: Incident | None = None, channel: str = "test"
) -> Notification:
    """A change of ``subject`` for ``channel``; of the crisis by default, resolved when the change is its end."""
    made = subject or (crisis_over() if change is Change.RESOLVED else crisis())
    return Notification(channel=channel, event=event(change, made))

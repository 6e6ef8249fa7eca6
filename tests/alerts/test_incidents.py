from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.console import Console
from rich.panel import Panel

from badbuzz.alerts.context import IncidentContext
from badbuzz.alerts.incidents import (
    Change,
    Incident,
    IncidentEvent,
    IncidentState,
    IncidentStatus,
    IncidentTracker,
    dedup_key,
)
from badbuzz.alerts.notify.console import ConsoleNotifier, render
from badbuzz.alerts.notify.delivery import Notification
from badbuzz.vocabulary.records import Platform, SamplePost, WindowCount
from badbuzz.vocabulary.signals import Judgement, Severity, Signal

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
W, C = Severity.WARNING, Severity.CRITICAL


def sample(author: str, followers: int, text: str = "Nuvola en panne #NuvolaPanne") -> SamplePost:
    return SamplePost(id=f"x:{author}", platform=Platform.X, author=author, followers=followers, text=text)


def window(index: int, volume: int = 12, brand: str = "nuvola") -> WindowCount:
    return WindowCount(brand=brand, start=T0 + index * MINUTE, end=T0 + (index + 1) * MINUTE, volume=volume)


def context(*posts: SamplePost) -> IncidentContext:
    return IncidentContext(top_posts=posts)


def judgement(
    value: float,
    severity: Severity | None = None,
    score: float | None = None,
    *,
    opens: bool = False,
    alerting: bool = False,
    resolves: bool = False,
) -> Judgement:
    if score is None:
        score = {None: 1.0, W: 8.0, C: 20.0}[severity]
    return Judgement(
        value=value,
        score=score,
        severity=severity,
        usual=12.0,
        usual_low=9.0,
        usual_high=15.0,
        opens=opens,
        alerting=alerting,
        resolves=resolves,
    )


Step = tuple[float, Severity | None]
RESOLVE_AFTER = 3


def lifecycle(steps: list[Step]) -> list[Judgement]:
    """The judgements of a watch whose alerts end after three calm windows in a row."""
    judgements, alerting, calm = [], False, 0
    for value, severity in steps:
        opens = resolves = False
        if not alerting and severity is not None:
            opens = alerting = True
            calm = 0
        elif alerting:
            calm = 0 if severity is not None else calm + 1
            if calm >= RESOLVE_AFTER:
                alerting, resolves = False, True
        judgements.append(judgement(value, severity, opens=opens, alerting=alerting, resolves=resolves))
    return judgements


def run(
    steps: list[Step], *, tracker: IncidentTracker | None = None, state: IncidentState | None = None, first: int = 0
) -> tuple[IncidentState, list[IncidentEvent | None]]:
    """Feed one window per (value, severity), minute after minute; every step's event, None included."""
    tracker = tracker or IncidentTracker()
    state = state or IncidentState()
    events = []
    for index, ((value, _), verdict) in enumerate(zip(steps, lifecycle(steps)), start=first):
        state, event = tracker.step(
            state,
            Signal.VOLUME,
            window(index, int(value)),
            verdict,
            context(sample(f"author{index}", 1000 + index)),
        )
        events.append(event)
    return state, events


def changes(events: list[IncidentEvent | None]) -> list[Change | None]:
    return [event.change if event else None for event in events]


def test_a_calm_stream_gives_no_events() -> None:
    state, events = run([(12, None)] * 20)
    assert events == [None] * 20
    assert state == IncidentState()


def test_the_first_anomalous_window_opens_an_incident() -> None:
    evidence = context(sample("alice", 250_000), sample("bob", 1_200))
    tracker = IncidentTracker()

    state, event = tracker.step(
        IncidentState(),
        Signal.VOLUME,
        window(4, 142),
        judgement(142, W, score=9.5, opens=True, alerting=True),
        evidence,
    )

    assert event is not None and event.change is Change.OPENED
    incident = event.incident
    assert incident.status is IncidentStatus.OPEN
    assert incident.revision == 1
    assert incident.severity is W
    assert incident.brand == "nuvola" and incident.signal is Signal.VOLUME
    assert incident.context == evidence
    assert incident.opened_at == T0 + 4 * MINUTE
    assert incident.resolved_at is None
    assert incident.current.value == incident.peak.value == 142
    assert incident.current.score == 9.5
    assert (incident.current.window_start, incident.current.window_end) == (T0 + 4 * MINUTE, T0 + 5 * MINUTE)
    assert (incident.usual, incident.usual_low, incident.usual_high) == (12.0, 9.0, 15.0)
    assert incident.window_seconds == 60
    assert state.incident == incident
    assert state.announced_value == 142


def test_same_severity_and_growth_under_one_and_a_half_gives_no_event() -> None:
    state, events = run([(100, W), (140, W), (149, W), (120, W)])

    assert changes(events) == [Change.OPENED, None, None, None]
    assert state.incident.revision == 1
    assert state.incident.current.value == 120
    assert state.incident.peak.value == 149
    assert state.incident.context == events[0].incident.context  # the context last announced


def test_growth_of_one_and_a_half_gives_an_update() -> None:
    state, events = run([(100, W), (140, W), (150, W), (200, W), (225, W)])

    assert changes(events) == [Change.OPENED, None, Change.UPDATED, None, Change.UPDATED]
    updated = events[2].incident
    assert updated.revision == 2
    assert updated.current.value == updated.peak.value == 150
    assert updated.context.top_posts == (sample("author2", 1002),)
    assert updated.opened_at == events[0].incident.opened_at
    assert events[4].incident.revision == 3
    assert state.announced_value == 225


def test_a_higher_severity_escalates() -> None:
    state, events = run([(100, W), (110, C), (115, W), (120, C)])

    assert changes(events) == [Change.OPENED, Change.ESCALATED, None, None]
    escalated = events[1].incident
    assert escalated.severity is C
    assert escalated.revision == 2
    assert escalated.status is IncidentStatus.OPEN
    # A lower severity later does not de-escalate.
    assert state.incident.severity is C
    assert state.incident.revision == 2


def test_one_calm_window_in_a_crisis_does_not_resolve() -> None:
    state, events = run([(100, W), (12, None), (110, W), (12, None), (11, None), (120, W), (12, None), (13, None)])

    assert Change.RESOLVED not in changes(events)
    assert state.incident is not None
    assert state.incident.status is IncidentStatus.OPEN


def test_three_calm_windows_in_a_row_resolve() -> None:
    state, events = run([(100, W), (300, C), (180, W), (12, None), (10, None), (11, None)])

    assert changes(events) == [Change.OPENED, Change.ESCALATED, None, None, None, Change.RESOLVED]
    resolved = events[-1].incident
    assert resolved.status is IncidentStatus.RESOLVED
    assert resolved.resolved_at == T0 + 6 * MINUTE  # the end of the last calm window
    assert resolved.opened_at == T0
    assert resolved.duration == 6 * MINUTE
    assert resolved.peak.value == 300
    assert resolved.peak.window_start == T0 + MINUTE
    assert resolved.current.value == 11
    assert resolved.severity is C
    assert resolved.revision == 3
    assert state == IncidentState()


def test_a_new_anomaly_after_resolution_opens_a_new_incident() -> None:
    state, events = run([(100, W), (12, None), (12, None), (12, None)])
    assert changes(events)[-1] is Change.RESOLVED

    state, events = run([(12, None), (90, W)], state=state, first=10)

    assert changes(events) == [None, Change.OPENED]
    reopened = events[1].incident
    assert reopened.revision == 1
    assert reopened.status is IncidentStatus.OPEN
    assert reopened.opened_at == T0 + 11 * MINUTE
    assert reopened.peak.value == 90
    assert reopened.resolved_at is None


def test_dedup_key_is_brand_and_signal_without_time() -> None:
    _, first = run([(100, W)])
    _, later = run([(500, C)], first=600)

    assert first[0].incident.dedup_key == "nuvola/volume"
    assert later[0].incident.dedup_key == first[0].incident.dedup_key
    assert dedup_key("velocia", Signal.VOLUME) == "velocia/volume"


def test_brands_are_tracked_apart() -> None:
    _, opened = IncidentTracker().step(
        IncidentState(),
        Signal.VOLUME,
        window(0, 100, brand="velocia"),
        judgement(100, W, opens=True, alerting=True),
        context(),
    )
    assert opened.incident.brand == "velocia"
    assert opened.incident.dedup_key == "velocia/volume"


# Texts


def open_incident(**changes: object) -> Incident:
    _, events = run([(142, W)])
    return events[0].incident.model_copy(update=changes)


def resolved_incident() -> Incident:
    _, events = run([(1_420, C), (12, None), (12, None), (12, None)])
    return events[-1].incident


def test_open_incident_texts() -> None:
    incident = open_incident()
    assert incident.what_spiked() == "142 mentions in 1 min"
    assert incident.baseline_text() == "usually 12 (9–15)"
    assert incident.headline() == "WARNING: nuvola mentions spiking"
    assert incident.summary() == "WARNING: nuvola mentions spiking: 142 mentions in 1 min, usually 12 (9–15)."


def test_resolved_incident_summary_shows_the_peak() -> None:
    incident = resolved_incident()
    assert incident.summary() == (
        "Resolved: nuvola mentions back to normal after 4 min, peak 1,420 mentions in 1 min, usually 12 (9–15)."
    )
    assert incident.what_spiked() == "12 mentions in 1 min"


@pytest.mark.parametrize(
    ("window_seconds", "span"),
    [(30, "30 s"), (60, "1 min"), (300, "5 min"), (3_600, "1 h 00 min"), (5_400, "1 h 30 min")],
)
def test_what_spiked_names_the_window_length(window_seconds: int, span: str) -> None:
    assert open_incident(window_seconds=window_seconds).what_spiked() == f"142 mentions in {span}"


# Console


def rendered(panel: Panel) -> str:
    console = Console(record=True, width=100)
    console.print(panel)
    return console.export_text()


def test_render_shows_brand_count_baseline_and_samples() -> None:
    incident = open_incident(
        context=context(sample("alice", 250_000, "Nuvola en panne\ndepuis ce matin"), sample("bob", 42))
    )

    panel = render(Change.OPENED, incident)

    assert isinstance(panel, Panel)
    text = rendered(panel)
    assert "WARNING: nuvola mentions spiking" in text
    assert "142 mentions in 1 min" in text
    assert "usually 12 (9–15)" in text
    assert "@alice (250,000 followers, x): Nuvola en panne depuis ce matin" in text
    assert "@bob" in text
    assert "Incident nuvola/volume · opened" in text
    assert "Score 8.0" in text


def test_render_of_a_resolved_incident_shows_the_peak_not_samples() -> None:
    text = rendered(render(Change.RESOLVED, resolved_incident()))
    assert "Resolved: nuvola mentions back to normal after 4 min" in text
    assert "Peak 1,420 mentions in 1 min, usually 12 (9–15)." in text
    assert "@author0" not in text
    assert "Incident nuvola/volume · resolved" in text


async def test_console_notifier_prints_and_returns_a_receipt() -> None:
    console = Console(record=True, width=100)
    incident = open_incident()
    notification = Notification(channel="console", event=IncidentEvent(change=Change.OPENED, incident=incident))

    receipt = await ConsoleNotifier(console).deliver(notification, None)

    assert "142 mentions in 1 min" in console.export_text()
    assert (receipt.opened_at, receipt.revision) == (incident.opened_at, 1)
    assert receipt.covers(notification)

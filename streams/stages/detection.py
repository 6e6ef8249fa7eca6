"""Detection: each closed window judged on every signal; incidents opened, updated, resolved; feedback applied."""

from __future__ import annotations

import logging

from badbuzz.alerts.actions import apply
from badbuzz.alerts.context import context_of, dashboard_url
from badbuzz.alerts.incidents import (
    IncidentEvent,
    IncidentFeedback,
    IncidentState,
    IncidentStatus,
    IncidentTracker,
    parse_dedup_key,
)
from badbuzz.detectors.anomaly.brand import BrandVerdict, BrandWatch
from badbuzz.detectors.anomaly.signal_watches import make_watch
from badbuzz.streams.config import Settings
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.tables import Tables
from badbuzz.streams.topics import Topics, publish
from badbuzz.vocabulary.records import WindowCount
from badbuzz.vocabulary.signals import Signal

log = logging.getLogger(__name__)


def watch_factory(settings: Settings):
    """A fresh brand watch: one detector per signal, as configured."""

    def new_brand_watch() -> BrandWatch:
        def watch_for(signal: Signal):
            return make_watch(
                signal.kind,
                settings.window_seconds,
                detector=settings.detector,
                threshold=settings.threshold,
                min_count=settings.min_count,
                resolve_after_seconds=settings.resolve_after_seconds,
                relearn_after_seconds=settings.relearn_after_seconds,
            )

        return BrandWatch(tuple(Signal), watch_for, history_size=settings.history_windows)

    return new_brand_watch


class Detection:
    """The detect stage's logic, free of Faust: windows in, incident events out.

    ``watches`` and ``incidents`` are the brand-keyed tables (plain dicts in a unit test).
    A closed window is judged on every signal and learnt; a window still open (a snapshot
    the ingest stage offers, ``elapsed_seconds`` into it) may only open an incident early.
    """

    def __init__(self, settings: Settings, metrics: Metrics, watches, incidents) -> None:
        self.settings = settings
        self.metrics = metrics
        self.watches = watches
        self.incidents = incidents
        self.tracker = IncidentTracker()
        self.new_brand_watch = watch_factory(settings)

    def judge(self, window: WindowCount) -> list[IncidentEvent]:
        return self.judge_early(window) if window.partial else self.judge_closed(window)

    def judge_closed(self, window: WindowCount) -> list[IncidentEvent]:
        """Judge a closed window on every signal; open, update or resolve the incidents of the alerting ones."""
        settings, metrics, brand = self.settings, self.metrics, window.brand
        watch = self.watches.get(brand) or self.new_brand_watch()
        # A planned campaign re-baselines the signals it inflates instead of alerting on them.
        campaigning = {s for s in Signal if settings.calendar.suppressing(brand, s, window.end) is not None}
        verdict = watch.observe(window, relaxed=campaigning)
        self.watches[brand] = watch
        for signal, judgement in verdict.judgements.items():
            metrics.judged(brand, signal, judgement, threshold=watch.watches[signal].threshold)
        states = dict(self.incidents.get(brand) or {})
        events = []
        for signal in settings.alert_signals:
            state = states.get(signal) or IncidentState()
            judgement = verdict.judgements[signal]
            if state.incident is None and (signal in campaigning or not judgement.opens):
                # Nothing opens and nothing is open: no context to put together.
                metrics.incident_tracked(brand, signal, state, None)
                continue
            context = self._context(window, signal, verdict, watch)
            state, event = self.tracker.step(state, signal, window, judgement, context)
            metrics.incident_tracked(brand, signal, state, event)
            states[signal] = state
            if event is not None:
                events.append(event)
        self.incidents[brand] = states
        return events

    def judge_early(self, window: WindowCount) -> list[IncidentEvent]:
        """Open incidents on a window still open whose evidence is already overwhelming; learn nothing.

        Signals with an incident open are left to the closed windows, which confirm, update or
        resolve it: one crisis, one incident.
        """
        settings, brand = self.settings, window.brand
        watch = self.watches.get(brand)
        if watch is None or window.elapsed_seconds < settings.early_min_seconds:
            return []
        states = dict(self.incidents.get(brand) or {})
        candidates = [
            signal
            for signal in settings.alert_signals
            if (states.get(signal) or IncidentState()).incident is None
            and settings.calendar.suppressing(brand, signal, window.end) is None
        ]
        verdict = watch.judge_partial(window, candidates)
        events = []
        for signal, judgement in verdict.judgements.items():
            opening = self._context(window, signal, verdict, watch)
            state, event = self.tracker.step(IncidentState(), signal, window, judgement, opening)
            self.metrics.incident_tracked(brand, signal, state, event)
            states[signal] = state
            events.append(event)
        if events:
            self.incidents[brand] = states
        return events

    def _context(self, window: WindowCount, signal: Signal, verdict: BrandVerdict, watch: BrandWatch):
        settings = self.settings
        return context_of(
            window,
            history=watch.history(signal),
            emerging_terms=verdict.emerging_terms,
            usual_negative_share=verdict.usual_negative_share,
            dashboard_url=dashboard_url(
                settings.grafana_url,
                window.brand,
                window.start,
                window.end,
                console=settings.console_address,
                signal=signal,
            ),
            runbook_url=settings.runbook_urls.get(window.brand),
        )


def install(app, settings: Settings, topics: Topics, tables: Tables, metrics: Metrics) -> None:
    brand_watches, incident_states = tables.brand_watches, tables.incident_states
    detection = Detection(settings, metrics, brand_watches, incident_states)

    @app.agent(topics.window_counts, name="badbuzz.detect")
    async def detect(stream):
        """Judge each window: a closed one on every signal, one still open for an incident to open early."""
        async for value in stream:
            window = WindowCount.model_validate_json(value)
            for event in detection.judge(window):
                await publish(topics.incidents, window.brand, event)

    @app.agent(topics.feedback, name="badbuzz.take_feedback")
    async def take_feedback(stream):
        """Apply people's actions to their incidents; a false positive teaches the brand's watch its new level."""
        async for value in stream:
            feedback = IncidentFeedback.model_validate_json(value)
            brand, signal = parse_dedup_key(feedback.dedup_key)
            states = dict(incident_states.get(brand) or {})
            state = states.get(signal) or IncidentState()
            if state.incident is None:
                log.info("Feedback on %s, which has no open incident: recorded, nothing to change", feedback.dedup_key)
                continue
            incident, event = apply(state.incident, feedback)
            if event is None:
                continue
            if incident.status is IncidentStatus.RESOLVED:
                watch = brand_watches.get(brand)
                if watch is not None:
                    watch.dismiss(signal)
                    brand_watches[brand] = watch
                state = IncidentState()
            else:
                state = state.model_copy(update={"incident": incident})
            # No await between reading and writing: detect writes the same key.
            incident_states[brand] = {**states, signal: state}
            await publish(topics.incidents, brand, event)

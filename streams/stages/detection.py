"""Detection: each closed window judged on every signal; incidents opened, updated, resolved; feedback applied."""

from __future__ import annotations

import logging

from alerts.actions import apply
from alerts.context import context_of, dashboard_url
from alerts.incidents import IncidentFeedback, IncidentState, IncidentStatus, IncidentTracker
from detectors.brand import BrandWatch
from detectors.signals import Signal, make_watch
from streams import topics
from streams.config import Settings
from streams.metrics import Metrics
from streams.records import WindowCount
from streams.tables import brand_watches, incident_states

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


def install(app, settings: Settings, metrics: Metrics, publish) -> None:
    tracker = IncidentTracker()
    new_brand_watch = watch_factory(settings)

    @app.agent(topics.window_counts, name="badbuzz.detect")
    async def detect(stream):
        """Judge each closed window on every signal; open, update or resolve the incidents of the alerting ones."""
        async for value in stream:
            window = WindowCount.model_validate_json(value)
            brand = window.brand
            watch = brand_watches.get(brand) or new_brand_watch()
            # A planned campaign re-baselines the signals it inflates instead of alerting on them.
            campaigning = {s for s in Signal if settings.calendar.suppressing(brand, s, window.end) is not None}
            verdict = watch.observe(window, relaxed=campaigning)
            brand_watches[brand] = watch
            for signal, judgement in verdict.judgements.items():
                metrics.judged(brand, signal, judgement, threshold=watch.watches[signal].threshold)
            states = dict(incident_states.get(brand) or {})
            events = []
            for signal in settings.alert_signals:
                state = states.get(signal) or IncidentState()
                judgement = verdict.judgements[signal]
                if state.incident is None and (signal in campaigning or not judgement.opens):
                    # Nothing opens and nothing is open: no context to put together.
                    metrics.incident_tracked(brand, signal, state, None)
                    continue
                context = context_of(
                    window,
                    history=watch.history(signal),
                    emerging_terms=verdict.emerging_terms,
                    usual_negative_share=verdict.judgements[Signal.NEGATIVE_SHARE].usual,
                    dashboard_url=dashboard_url(
                        settings.grafana_url,
                        brand,
                        window.start,
                        window.end,
                        console=settings.console_address,
                        signal=signal,
                    ),
                    runbook_url=settings.runbook_urls.get(brand),
                )
                state, event = tracker.step(state, signal, window, judgement, context)
                metrics.incident_tracked(brand, signal, state, event)
                states[signal] = state
                if event is not None:
                    events.append(event)
            incident_states[brand] = states
            for event in events:
                await publish(topics.incidents, brand, event)

    @app.agent(topics.feedback, name="badbuzz.take_feedback")
    async def take_feedback(stream):
        """Apply people's actions to their incidents; a false positive teaches the brand's watch its new level."""
        async for value in stream:
            feedback = IncidentFeedback.model_validate_json(value)
            brand, _, signal = feedback.dedup_key.rpartition("/")
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
                    watch.dismiss(Signal(signal))
                    brand_watches[brand] = watch
                state = IncidentState()
            else:
                state = state.model_copy(update={"incident": incident})
            # No await between reading and writing: detect writes the same key.
            incident_states[brand] = {**states, signal: state}
            await publish(topics.incidents, brand, event)

"""The agents, in the order a mention travels through them.

::

    mentions ─accept─▶ accepted ─count─▶ window counts ─detect─▶ incidents ─route─▶ outbound
        │  (validate, language,   (reposts, copies, bots,   (a watch per         (group, inhibit,
        │   sentiment, reach)      per-brand windows)        signal, incidents)   silence, quiet hours)
        ▼                                                        ▲                     │ throttle (caps)
    dead letters                         feedback (buttons, API) ┘                     ▼
                                                               notifications.<receiver> ─deliver─▶ channel

The high-volume agents take their stream in batches and touch each table key
once per batch: a Faust agent updating a table per message tops out around
2k messages/s, a batched one goes several times faster.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import numpy as np
from pydantic import BaseModel

from alerts.actions import apply
from alerts.channels import notifiers_from
from alerts.context import context_of, dashboard_url
from alerts.delivery import Outcome, Receipt
from alerts.dispatch import BrandDispatch, Dispatcher, Outbound
from alerts.frequency_cap import CapState, FrequencyCapper
from alerts.incidents import IncidentEvent, IncidentFeedback, IncidentState, IncidentStatus, IncidentTracker
from detectors.brand import BrandWatch
from detectors.sentiment.feedback import BrandCorrection, Relabel
from detectors.signals import Signal, make_watch
from streams import topics
from streams.app import app, settings
from streams.enrichment import Enricher
from streams.errors import InvalidMention
from streams.judges import Judges
from streams.records import EnrichedMention, WindowCount
from streams.silences import current_silences
from streams.tables import (
    brand_judges,
    brand_watches,
    brand_windows,
    cap_states,
    dispatch_states,
    incident_states,
    receipts,
    sentiment_corrections,
)
from streams.validation import dead_letter, decode_mention
from streams.views import metrics
from streams.windows import BrandWindows

log = logging.getLogger(__name__)

enricher = Enricher.from_settings(settings)
judges = Judges(brand_judges, settings.authenticity)
tracker = IncidentTracker()
dispatcher = Dispatcher(settings.routes)
capper = FrequencyCapper(settings.routes.frequency_caps)
redelivery = settings.redelivery


def count_delivery(channel: str, outcome: Outcome) -> None:
    {
        Outcome.SENT: metrics.notification_sent,
        Outcome.RETRIED: metrics.notification_retried,
        Outcome.FAILED: metrics.notification_failed,
    }[outcome](channel)


notifiers = notifiers_from(settings, observe=count_delivery)
metrics.declare_channels(notifiers)
#: How often the timers look for windows to close and notifications whose wait is over.
TICK_SECONDS = max(1.0, min(5.0, settings.window_seconds / 6))


async def publish(topic, key: str, record: BaseModel) -> None:
    await topic.send(key=key.encode(), value=record.model_dump_json().encode())


def owned(topic: str) -> set[int]:
    """The partitions of ``topic`` this worker owns: timers act on their keys only."""
    return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic}


def utc_now() -> datetime:
    return datetime.now(UTC)


@app.agent(topics.mentions)
async def accept(stream):
    """Validate raw mentions and enrich the valid ones; re-key them by brand, dead-letter the rest."""
    loop = asyncio.get_running_loop()
    async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
        metrics.batch("accept", len(events))
        valid = []
        for event in events:
            message = event.message
            try:
                valid.append(decode_mention(event.value, max_bytes=settings.max_message_bytes, brands=settings.brands))
            except InvalidMention as error:
                metrics.dead_letter(error.reason)
                log.warning("Dead-lettered %s[%d]@%d: %s", message.topic, message.partition, message.offset, error)
                letter = dead_letter(
                    error,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=message.key,
                    raw=event.value,
                )
                await publish(topics.dead_letters, letter.reason, letter)
        if valid:
            # Sentiment scoring is CPU work: off the event loop, so the worker keeps heartbeating.
            for mention in await loop.run_in_executor(None, enricher.enrich, valid):
                await publish(topics.accepted, mention.brand, mention)


@app.agent(topics.accepted)
async def count(stream):
    """Tell reposts, copies and bots apart, and count mentions per brand in tumbling windows."""
    async for values in stream.take(settings.batch_size, within=settings.batch_seconds):
        metrics.batch("count", len(values))
        now = time.time()
        by_brand: dict[str, list[EnrichedMention]] = defaultdict(list)
        for value in values:
            mention = EnrichedMention.model_validate_json(value)
            by_brand[mention.brand].append(mention)
        for brand, mentions in by_brand.items():
            mentions = _corrected(brand, mentions)
            windows = _windows_of(brand)
            for mention, verdict in zip(mentions, judges.of(brand).judge(mentions)):
                windows.add(mention, now=now, kind=verdict.kind, suspected_bot=verdict.suspected_bot)
                metrics.count_mention(mention, kind=verdict.kind, suspected_bot=verdict.suspected_bot, now=now)
            await _close_windows(windows, now, counted=True)


def _corrected(brand: str, mentions: list[EnrichedMention]) -> list[EnrichedMention]:
    """The mentions with the sentiment the brand's relabels taught, once there were enough of them."""
    correction = sentiment_corrections.get(brand)
    if correction is None or correction.n_learnt < settings.min_relabels:
        return mentions
    probabilities = correction.correct([m.text for m in mentions], np.array([m.sentiment_probs for m in mentions]))
    return [
        mention.model_copy(update={"sentiment_probs": (float(p[0]), float(p[1]), float(p[2]))})
        for mention, p in zip(mentions, probabilities)
    ]


@app.agent(topics.relabels)
async def learn_relabels(stream):
    """Learn each brand's sentiment corrections from the mentions people relabelled."""
    loop = asyncio.get_running_loop()
    async for values in stream.take(settings.batch_size, within=settings.batch_seconds):
        relabels = [Relabel.model_validate_json(value) for value in values]
        scores = await loop.run_in_executor(
            None, enricher.scorer.predict_proba, [r.text for r in relabels], [r.language for r in relabels]
        )
        by_brand: dict[str, list[tuple[Relabel, np.ndarray]]] = defaultdict(list)
        for relabel, probabilities in zip(relabels, scores):
            by_brand[relabel.brand].append((relabel, probabilities))
        for brand, learnt in by_brand.items():
            correction = sentiment_corrections.get(brand) or BrandCorrection()
            for relabel, probabilities in learnt:
                correction.learn_one(relabel.text, probabilities, relabel.label)
            sentiment_corrections[brand] = correction


@app.timer(interval=settings.judge_checkpoint_seconds)
async def checkpoint_judges() -> None:
    if app.rebalancing or app.in_recovery:
        return
    judges.checkpoint()


@app.on_partitions_revoked.connect
async def forget_judges(sender, revoked, **signal_arguments) -> None:
    # A brand that moves to another worker continues there from its last checkpoint.
    judges.forget()


@app.timer(interval=TICK_SECONDS)
async def close_quiet_windows() -> None:
    """Close the windows of brands that have gone quiet: their zeros matter to the baseline."""
    if app.rebalancing or app.in_recovery:
        return
    partitions = owned(topics.ACCEPTED)
    now = time.time()
    for brand in brand_windows.keys():
        if topics.partition_of(brand) in partitions:
            await _close_windows(_windows_of(brand), now, counted=False)


def _windows_of(brand: str) -> BrandWindows:
    return BrandWindows.from_state(
        brand,
        brand_windows.get(brand),
        window_seconds=settings.window_seconds,
        lateness_seconds=settings.lateness_seconds,
    )


async def _close_windows(windows: BrandWindows, now: float, *, counted: bool) -> None:
    """Emit the windows that are over; save the state if they or new mentions (``counted``) changed it."""
    closed = windows.close(now=now)
    # Counts go out before the state that says they went out: a crash in between
    # repeats a window rather than losing one.
    for window in closed:
        await publish(topics.window_counts, window.brand, window)
        metrics.window_closed(window, negative_share=window.negative_share)
    if closed or counted:
        brand_windows[windows.brand] = windows.state()


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


@app.agent(topics.window_counts)
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
        states = incident_states.get(brand) or {}
        events = []
        for signal in settings.alert_signals:
            state = IncidentState.model_validate(states.get(signal, {}))
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
                dashboard_url=dashboard_url(settings.grafana_url, brand, window.start, window.end),
                runbook_url=settings.runbook_urls.get(brand),
            )
            state, event = tracker.step(state, signal, window, judgement, context)
            metrics.incident_tracked(brand, signal, state, event)
            states[signal] = state.model_dump(mode="json")
            if event is not None:
                events.append(event)
        incident_states[brand] = states
        for event in events:
            await publish(topics.incidents, brand, event)


@app.agent(topics.feedback)
async def take_feedback(stream):
    """Apply people's actions to their incidents; a false positive teaches the brand's watch its new level."""
    async for value in stream:
        feedback = IncidentFeedback.model_validate_json(value)
        brand, _, signal = feedback.dedup_key.rpartition("/")
        states = incident_states.get(brand) or {}
        state = IncidentState.model_validate(states.get(signal, {}))
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
        incident_states[brand] = {**states, signal: state.model_dump(mode="json")}
        await publish(topics.incidents, brand, event)


@app.agent(topics.incidents)
async def route(stream):
    """Route each incident change to its receivers: grouping, inhibition, silences, quiet hours, dedup."""
    async for value in stream:
        event = IncidentEvent.model_validate_json(value)
        brand = event.incident.brand
        state, released = dispatcher.on_event(_dispatch_of(brand), event, utc_now(), current_silences())
        dispatch_states[brand] = state.model_dump(mode="json")
        await _send_outbound(released)


@app.timer(interval=TICK_SECONDS)
async def flush_groups() -> None:
    """Let out what waited: group waits and intervals over, quiet hours ended, reminders due."""
    if app.rebalancing or app.in_recovery:
        return
    await _flush(dispatch_states, owned(topics.INCIDENTS), _flush_dispatch, _send_outbound)


def _flush_dispatch(brand: str, now: datetime) -> list[Outbound]:
    state = _dispatch_of(brand)
    wakeup = state.next_wakeup()
    if wakeup is None or wakeup > now:
        return []
    state, released = dispatcher.due(state, now, current_silences())
    dispatch_states[brand] = state.model_dump(mode="json")
    return released


def _dispatch_of(brand: str) -> BrandDispatch:
    stored = dispatch_states.get(brand)
    return BrandDispatch.model_validate(stored) if stored else BrandDispatch()


async def _send_outbound(released: list[Outbound]) -> None:
    for outbound in released:
        await publish(topics.outbound, outbound.receiver, outbound)


@app.agent(topics.outbound)
async def throttle(stream):
    """Hold back what exceeds a receiver's frequency cap; pass the rest to the receiver's own topic."""
    async for value in stream:
        outbound = Outbound.model_validate_json(value)
        stored = cap_states.get(outbound.receiver)
        state, released = capper.offer(CapState.model_validate(stored) if stored else CapState(), outbound, utc_now())
        cap_states[outbound.receiver] = state.model_dump(mode="json")
        await _send_notifications(released)


@app.timer(interval=TICK_SECONDS)
async def flush_caps() -> None:
    if app.rebalancing or app.in_recovery:
        return
    await _flush(cap_states, owned(topics.OUTBOUND), _flush_cap, _send_notifications)


def _flush_cap(receiver: str, now: datetime) -> list[Outbound]:
    stored = cap_states.get(receiver)
    state = CapState.model_validate(stored) if stored else CapState()
    wakeup = state.next_wakeup(settings.routes.frequency_caps.get(receiver))
    if wakeup is None or wakeup > now:
        return []
    state, released = capper.due(state, receiver, now)
    cap_states[receiver] = state.model_dump(mode="json")
    return released


async def _flush(table, partitions: set[int], flush_one: Callable, send: Callable) -> None:
    now = utc_now()
    for key in table.keys():
        if topics.partition_of(key) in partitions:
            await send(flush_one(key, now))


async def _send_notifications(released: list[Outbound]) -> None:
    for outbound in released:
        if outbound.receiver not in notifiers:
            log.error("No receiver named %s is enabled; %s dropped", outbound.receiver, outbound.event.change)
            continue
        await publish(topics.notifications_for(outbound.receiver), outbound.notification().key, outbound)


def deliverer(receiver: str):
    """The agent delivering one receiver's notifications, once each and in order.

    A channel that is down holds up its own topic only: the agent retries until the
    channel is back (nothing is lost, and the offsets are not committed meanwhile),
    while the other receivers' agents carry on. A notification the channel refuses
    for good goes to the undeliverable topic with the reason.
    """
    notifier = notifiers[receiver]

    async def deliver(stream):
        async for value in stream:
            outbound = Outbound.model_validate_json(value)
            notification = outbound.notification()
            stored = receipts.get(notification.key)
            previous = Receipt.model_validate(stored) if stored else None
            if previous is not None and previous.covers(notification) and not outbound.reminder:
                continue
            refused = partial(publish, topics.undeliverable, receiver, outbound)
            receipt = await redelivery.deliver(notifier, notification, previous, refused=refused)
            if receipt is not None:
                receipts[notification.key] = receipt.model_dump(mode="json")

    deliver.__name__ = deliver.__qualname__ = f"deliver_{receiver.replace('-', '_')}"
    return deliver


for _receiver in notifiers:
    app.agent(topics.notifications_for(_receiver), name=f"badbuzz.deliver.{_receiver}")(deliverer(_receiver))


@app.on_before_shutdown.connect
async def close_notifiers(sender, **signal_arguments) -> None:
    for notifier in notifiers.values():
        await notifier.close()

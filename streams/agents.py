"""The agents, in the order a mention travels through them.

mentions ─ accept ─▶ accepted ─ count ─▶ window counts ─ detect ─▶ incidents ─ route ─▶ notifications ─ deliver

The high-volume agents take their stream in batches and touch each table key
once per batch: a Faust agent updating a table per message tops out around
2k messages/s, a batched one goes several times faster.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from pydantic import BaseModel

from alerts.channels import notifiers_from
from alerts.delivery import Notification, Receipt
from alerts.incidents import IncidentEvent, IncidentState, IncidentTracker, Signal, dedup_key
from detectors import make_detector
from detectors.watch import SeriesWatch
from streams import topics
from streams.app import app, settings
from streams.errors import BadbuzzError, InvalidMention
from streams.records import Mention, WindowCount
from streams.tables import brand_windows, incident_states, receipts, series_watches
from streams.validation import dead_letter, decode_mention
from streams.views import metrics
from streams.windows import BrandWindows

log = logging.getLogger(__name__)

tracker = IncidentTracker(resolve_after=settings.resolve_after_windows)
notifiers = notifiers_from(settings)
metrics.declare_channels(notifiers)


async def publish(topic, key: str, record: BaseModel) -> None:
    await topic.send(key=key.encode(), value=record.model_dump_json().encode())


@app.agent(topics.mentions)
async def accept(stream):
    """Validate raw mentions; re-key the valid ones by brand, dead-letter the rest with the reason."""
    async for events in stream.take_events(settings.batch_size, within=settings.batch_seconds):
        metrics.batch("accept", len(events))
        for event in events:
            message = event.message
            try:
                mention = decode_mention(event.value, max_bytes=settings.max_message_bytes, brands=settings.brands)
            except InvalidMention as error:
                log.warning("Dead-lettered %s[%d]@%d: %s", message.topic, message.partition, message.offset, error)
                metrics.dead_letter(error.reason)
                letter = dead_letter(
                    error,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=message.key,
                    raw=event.value,
                )
                await publish(topics.dead_letters, letter.reason, letter)
                continue
            await publish(topics.accepted, mention.brand, mention)
            metrics.count_mention(mention, now=time.time())


@app.agent(topics.accepted)
async def count(stream):
    """Count accepted mentions in per-brand tumbling windows; emit each window as it closes."""
    async for values in stream.take(settings.batch_size, within=settings.batch_seconds):
        metrics.batch("count", len(values))
        now = time.time()
        by_brand: dict[str, list[Mention]] = defaultdict(list)
        for value in values:
            mention = Mention.model_validate_json(value)
            by_brand[mention.brand].append(mention)
        for brand, mentions in by_brand.items():
            windows = _windows_of(brand)
            for mention in mentions:
                windows.add(mention, now=now)
            await _close_windows(windows, now)


@app.timer(interval=max(1.0, min(10.0, settings.window_seconds / 6)))
async def close_quiet_windows() -> None:
    """Close the windows of brands that have gone quiet: their zeros matter to the baseline."""
    if app.rebalancing or app.in_recovery:
        return
    owned = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topics.ACCEPTED}
    now = time.time()
    for brand in brand_windows.keys():
        if topics.partition_of(brand) in owned:
            await _close_windows(_windows_of(brand), now)


def _windows_of(brand: str) -> BrandWindows:
    return BrandWindows.from_state(
        brand,
        brand_windows.get(brand),
        window_seconds=settings.window_seconds,
        lateness_seconds=settings.lateness_seconds,
    )


async def _close_windows(windows: BrandWindows, now: float) -> None:
    # Counts go out before the state that says they went out: a crash in between
    # repeats a window rather than losing one.
    for closed in windows.close(now=now):
        await publish(topics.window_counts, closed.brand, closed)
        metrics.window_closed(closed)
    brand_windows[windows.brand] = windows.state()


@app.agent(topics.window_counts)
async def detect(stream):
    """Judge each closed window against the brand's baseline; open, update or resolve incidents."""
    async for value in stream:
        window = WindowCount.model_validate_json(value)
        watch = series_watches.get(window.brand) or SeriesWatch(
            make_detector(settings.detector), threshold=settings.threshold, min_value=settings.min_volume
        )
        judgement = watch.observe(window.volume)
        metrics.judged(window.brand, Signal.VOLUME, judgement, threshold=settings.threshold)
        series_watches[window.brand] = watch
        # Keyed by brand, like the window counts, so both live on the same partition.
        states = incident_states.get(window.brand) or {}
        state = IncidentState.model_validate(states.get(Signal.VOLUME, {}))
        state, event = tracker.step(state, Signal.VOLUME, window, judgement)
        metrics.incident_tracked(window.brand, Signal.VOLUME, state, event)
        incident_states[window.brand] = {**states, Signal.VOLUME: state.model_dump(mode="json")}
        if event is not None:
            await publish(topics.incidents, dedup_key(window.brand, Signal.VOLUME), event)


@app.agent(topics.incidents)
async def route(stream):
    """Send each incident change to every enabled channel."""
    async for value in stream:
        event = IncidentEvent.model_validate_json(value)
        for channel in notifiers:
            notification = Notification(channel=channel, event=event)
            await publish(topics.notifications, notification.key, notification)


@app.agent(topics.notifications)
async def deliver(stream):
    """Deliver each notification once per channel, editing what the channel already shows."""
    async for value in stream:
        notification = Notification.model_validate_json(value)
        notifier = notifiers.get(notification.channel)
        if notifier is None:
            log.warning("No %s channel configured on this worker; skipped %s", notification.channel, notification.key)
            continue
        stored = receipts.get(notification.key)
        previous = Receipt.model_validate(stored) if stored else None
        if previous is not None and previous.covers(notification):
            continue
        try:
            receipt = await notifier.deliver(notification, previous)
        except BadbuzzError as error:
            log.error("Delivery failed: %s", error)
            metrics.notification_failed(notification.channel)
            continue
        receipts[notification.key] = receipt.model_dump(mode="json")
        metrics.notification_sent(notification.channel)

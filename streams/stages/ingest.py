"""The ingest stage in the worker: one agent over ``badbuzz.mentions``, a checkpoint, a read-back.

The logic is :class:`badbuzz.streams.ingest.IngestStage`; this module runs it on Faust's
event loop without letting CPU work onto it (one executor thread does all the
stage's work, so the stage's objects are only ever touched by one thread at a time)
and aligns offset commits with checkpoints: every event is held (its message's
reference count raised) until the checkpoint that holds its effect is written, so
a crash at any point replays exactly what no checkpoint holds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.types import TP

from badbuzz.detectors.enrichment.sentiment.feedback import BrandCorrections, Relabel
from badbuzz.streams.ingest import IngestStage, Raw
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.state import StateTable
from badbuzz.streams.tables import Tables
from badbuzz.streams.topics import MENTIONS, WINDOW_COUNTS, Topics, publish

log = logging.getLogger(__name__)


class IngestRunner:
    """Batches in, checkpoints out; one lock orders the agent, the timer and rebalances."""

    def __init__(
        self,
        app,
        topics: Topics,
        stage: IngestStage,
        table: StateTable,
        metrics: Metrics,
        *,
        checkpoint_seconds: float,
        bootstrap_servers: list[str],
        early_judgement_seconds: float = 0.0,
    ) -> None:
        self.app = app
        self.topics = topics
        self.stage = stage
        self.table = table
        self.metrics = metrics
        self.checkpoint_seconds = checkpoint_seconds
        self.bootstrap_servers = bootstrap_servers
        self.lock = asyncio.Lock()
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="ingest")
        self.held: list = []
        self.pending: asyncio.Future | None = None
        self.pending_positions: dict[int, int] = {}
        #: partition → the last offset of it processed: a partition behind its end is no quiet one.
        self.positions: dict[int, int] = {}
        self.stream = None
        self.last_checkpoint = time.monotonic()
        #: How often open windows are offered for early judgement; 0: never.
        self.early_judgement_seconds = early_judgement_seconds
        self.last_snapshot = time.monotonic()

    async def _in_executor(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def on_batch(self, stream, events) -> None:
        self.stream = stream
        self.metrics.batch("ingest", len(events))
        batch = []
        for event in events:
            # Held until a checkpoint holds its effect: ``take_events`` acks it, we ack it again then.
            event.message.incref()
            message = event.message
            batch.append(Raw(message.topic, message.partition, message.offset, message.key, event.value))
        async with self.lock:
            await self._settle()
            self.held.extend(events)
            # The thread works on this batch while Faust gathers the next one.
            self.pending = asyncio.ensure_future(self._in_executor(self.stage.process, batch, time.time()))
            self.pending_positions = {raw.partition: raw.offset for raw in batch}
            if time.monotonic() - self.last_checkpoint >= self.checkpoint_seconds:
                await self._checkpoint()

    async def _settle(self) -> None:
        """Wait for the batch in the thread, then send what it left: dead letters, forwards."""
        if self.pending is None:
            return
        pending, self.pending = self.pending, None
        outcome = await pending
        for partition, offset in self.pending_positions.items():
            self.positions[partition] = max(self.positions.get(partition, -1), offset)
        for letter in outcome.dead_letters:
            await publish(self.topics.dead_letters, letter.reason, letter)
        for brand, raw in outcome.forwards:
            await publish(self.topics.mentions, brand, raw, partition=self.stage.partition_of(brand))

    async def on_tick(self, brands: list[str]) -> None:
        """Close quiet brands' windows and checkpoint what waits, even while no mention comes."""
        async with self.lock:
            await self._settle()
            await self._in_executor(self.stage.close_quiet, brands, time.time())
            if self.held or self.table.dirty or self.stage.outboxes():
                await self._checkpoint()
            if self.early_judgement_seconds and time.monotonic() - self.last_snapshot >= self.early_judgement_seconds:
                await self._offer_snapshots(brands)

    async def _offer_snapshots(self, brands: list[str]) -> None:
        """Notable open windows onto ``badbuzz.window-counts``, after the closed ones just checkpointed.

        Not checkpointed: a snapshot lost in a crash is only an early judgement missed, and one
        sent twice finds its incident already open.
        """
        self.last_snapshot = time.monotonic()
        for window in await self._in_executor(self.stage.snapshots, brands, time.time()):
            await publish(self.topics.window_counts, window.brand, window)
            self.metrics.window_offered(window)

    async def on_revoked(self) -> None:
        """Before partitions move: save what was done, then forget it (the new owner reads the changelog)."""
        async with self.lock:
            try:
                await self._checkpoint()
            except Exception:  # noqa: BLE001  (whatever was not saved is replayed from the commits)
                log.warning("Checkpoint before the rebalance failed", exc_info=True)
            self.pending = None
            self.positions.clear()
            self.held.clear()
            self.stage.forget()

    async def _checkpoint(self) -> None:
        await self._settle()
        held, self.held = self.held, []
        self.stage.stamp()
        encoded = await self._in_executor(self.table.encode_dirty)
        self.table.write(encoded)
        await self.app.producer.flush()
        await self._read_back()
        sent = []
        for brand, state in self.stage.outboxes():
            last = None
            for window in state.outbox:
                last = await publish(self.topics.window_counts, brand, window)
            sent.append((brand, state, list(state.outbox), last))
        await self.app.producer.flush()
        for brand, state, windows, last in sent:
            metadata = await last
            self.stage.published(brand, state, metadata.offset)
            for window in windows:
                self.metrics.window_closed(window, negative_share=window.negative_share)
        if self.stream is not None:
            for event in held:
                await self.stream.ack(event)
        self.last_checkpoint = time.monotonic()

    async def _read_back(self) -> None:
        """Brands restored with an outbox: drop what their window-counts partition holds already."""
        if not self.stage.unverified:
            return
        by_partition: dict[int, list[str]] = defaultdict(list)
        for brand in self.stage.unverified:
            by_partition[self.stage.partition_of(brand)].append(brand)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False)
        await consumer.start()
        try:
            for partition, brands in by_partition.items():
                start = min(self.table.live(brand).published_through for brand in brands) + 1
                published = await _published_windows(consumer, partition, max(start, 0), set(brands))
                for brand in brands:
                    self.stage.drop_published(brand, published[brand])
        finally:
            await consumer.stop()


async def _published_windows(consumer, partition: int, start: int, brands: set[str]) -> dict[str, set[datetime]]:
    tp = TopicPartition(WINDOW_COUNTS, partition)
    consumer.assign([tp])
    end = (await consumer.end_offsets([tp]))[tp]
    consumer.seek(tp, start)
    published: dict[str, set[datetime]] = defaultdict(set)
    while start < end and await consumer.position(tp) < end:
        for record in (await consumer.getmany(tp, timeout_ms=1000)).get(tp, []):
            window = json.loads(record.value)
            # A snapshot of a window then still open is no sign that its closed count was published.
            if window.get("brand") in brands and window.get("elapsed_seconds") is None:
                published[window["brand"]].add(datetime.fromisoformat(window["start"]))
    return published


def install(
    app,
    runner: IngestRunner,
    tables: Tables,
    corrections: BrandCorrections,
    *,
    batch_size: int,
    batch_seconds: float,
    tick_seconds: float,
) -> None:
    """Declare the ingest agent, its timer, its rebalance hook and the relabel learner on ``app``."""
    topics = runner.topics

    @app.agent(topics.mentions, name="badbuzz.ingest")
    async def ingest(stream):
        """Decode, validate, enrich, judge and count raw mentions; dead-letter the rest."""
        async for events in stream.take_events(batch_size, within=batch_seconds):
            await runner.on_batch(stream, events)

    async def caught_up(partition: int) -> bool:
        """Whether the worker has processed its partition of mentions to the end: only then is a brand
        without mentions quiet. Behind it, the brand's mentions wait in the topic, and closing its
        windows on the wall clock would make them too old."""
        tp = TP(MENTIONS, partition)
        highwater = app.consumer.highwater(tp)
        if highwater is None:
            return True
        processed = runner.positions.get(partition)
        if processed is not None:
            return processed + 1 >= highwater
        position = await app.consumer.position(tp)
        return position is not None and position >= highwater

    @app.timer(interval=tick_seconds, name="badbuzz.ingest.tick")
    async def tick() -> None:
        if app.rebalancing or app.in_recovery:
            return
        owned = {partition for partition in topics.owned(MENTIONS) if await caught_up(partition)}
        known = set(runner.table.keys()) | {brand for brand, _ in runner.table.live_items()}
        await runner.on_tick(sorted(b for b in known if runner.stage.partition_of(b) in owned))

    @app.on_partitions_revoked.connect
    async def checkpoint_and_forget(sender, revoked, **signal_arguments) -> None:
        await runner.on_revoked()
        for table in tables.partitioned:
            table.forget()

    @app.agent(topics.relabels, name="badbuzz.learn_relabels")
    async def learn_relabels(stream):
        """Learn each brand's sentiment corrections from the mentions people relabelled."""
        async for values in stream.take(batch_size, within=batch_seconds):
            relabels = [Relabel.model_validate_json(value) for value in values]
            async with runner.lock:
                # The ingest thread reads the corrections: learnt there, between two batches.
                learnt = await runner._in_executor(corrections.learn, relabels, runner.stage.enricher.scorer)
                for brand, correction in learnt.items():
                    corrections.table[brand] = correction

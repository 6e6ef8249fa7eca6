"""The ingest stage: raw mention bytes in, closed window counts out, in one hop.

Each batch taken from ``badbuzz.mentions`` is decoded, validated, enriched
(language, sentiment, reach: on the whole batch), judged (reposts, copies, bots)
and counted in its brand's windows, all in one executor call: the event loop only
moves bytes. What leaves the stage is dead letters, closed window counts and
metrics; nothing is produced per mention, except a mention on a partition that is
not its brand's, which is forwarded there once (the topic is keyed by brand at the
source: ``replay``, ``simulate``, the mention contract).

State and exactness. The worker keeps its brands' windows and judges in memory as
live objects (:class:`BrandState`) and checkpoints the changed ones to a changelog
every ``checkpoint_seconds``. Each brand's state records the last source offset it
applied, so after a crash a redelivered mention is recognised as already counted
(a duplicate, not a late one), and offsets are committed only once the checkpoint
holding their effect is written. Closed windows wait in the brand's outbox, saved
with the checkpoint, and are published after it; a brand restored with a non-empty
outbox first reads back what its partition of ``badbuzz.window-counts`` already
holds, so that no window is published twice nor lost, whenever the worker is killed.

Isolation. Any exception while processing one mention dead-letters that mention
(``processing_error``, with the exception) and the batch goes on; a whole-batch
step that fails (the vectorised scorer, a judge) is retried mention by mention to
find the one at fault.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from badbuzz.detectors.authenticity import Authenticity, AuthenticitySettings, Verdict
from badbuzz.streams.enrichment import Enricher
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.state import StateCodec, StateTable
from badbuzz.streams.validation import dead_letter, decode_mention
from badbuzz.streams.windows import Added, BrandWindows
from badbuzz.vocabulary.errors import InvalidMention, RejectReason
from badbuzz.vocabulary.records import DeadLetter, EnrichedMention, Mention, WindowCount

log = logging.getLogger(__name__)

#: Bumped when :class:`BrandState`'s layout changes: a state in an older one starts afresh.
BRAND_STATE_FORMAT = 1


@dataclass(frozen=True)
class Raw:
    """One message as the consumer gave it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class BrandState:
    """Everything the ingest stage knows of one brand, checkpointed as one record."""

    windows: BrandWindows
    judge: Authenticity
    #: The last offset of the brand's partition whose mention this state has applied.
    offset: int = -1
    #: Closed windows not yet known to be on ``badbuzz.window-counts``.
    outbox: list[WindowCount] = field(default_factory=list)
    #: An offset of the brand's window-counts partition at or before which every window
    #: published before this state's checkpoint lies: where reading back starts.
    published_through: int = -1


class BrandStateCodec:
    """:class:`BrandState` as compact JSON: the windows' and the judge's own ``state()``."""

    def __init__(self, new_windows: Callable[[str, dict | None], BrandWindows], authenticity: AuthenticitySettings):
        self._new_windows = new_windows
        self._authenticity = authenticity

    def dumps(self, value: BrandState) -> bytes:
        return StateCodec(self._to_state, self._from_state).dumps(value)

    def loads(self, raw: bytes) -> BrandState:
        return StateCodec(self._to_state, self._from_state).loads(raw)

    def _to_state(self, value: BrandState) -> dict[str, Any]:
        return {
            "format": BRAND_STATE_FORMAT,
            "brand": value.windows.brand,
            "offset": value.offset,
            "published_through": value.published_through,
            "windows": value.windows.state(),
            "judge": value.judge.state(),
            "outbox": [window.model_dump(mode="json") for window in value.outbox],
        }

    def _from_state(self, state: dict[str, Any]) -> BrandState:
        if state.get("format") != BRAND_STATE_FORMAT:
            raise ValueError(f"brand state of format {state.get('format')!r}, not {BRAND_STATE_FORMAT}")
        return BrandState(
            windows=self._new_windows(state["brand"], state["windows"]),
            judge=Authenticity.from_state(state["judge"], self._authenticity),
            offset=state["offset"],
            outbox=[WindowCount.model_validate(window) for window in state["outbox"]],
            published_through=state["published_through"],
        )


@dataclass
class BatchOutcome:
    """What one batch leaves for the event loop to send."""

    dead_letters: list[DeadLetter] = field(default_factory=list)
    #: (brand, raw bytes): mentions to forward to their brand's partition.
    forwards: list[tuple[str, bytes]] = field(default_factory=list)
    counted: int = 0
    redelivered: int = 0


@dataclass
class _Valid:
    raw: Raw
    mention: Mention
    enriched: EnrichedMention | None = None


class IngestStage:
    """The ingest stage's logic, free of Faust: a unit test drives it with dicts for tables.

    ``partition_of`` maps a brand to its partition (Kafka's default partitioner);
    ``corrections`` gives a brand's learnt sentiment correction, if any.
    """

    def __init__(
        self,
        *,
        enricher: Enricher,
        states: StateTable[BrandState],
        new_state: Callable[[str], BrandState],
        metrics: Metrics,
        partition_of: Callable[[str], int],
        corrections: Callable[[str], Any] = lambda brand: None,
        max_message_bytes: int,
        brands: Sequence[str] = (),
        max_clock_skew_seconds: float = 300.0,
        early_min_seconds: float | None = None,
        min_count: float = 0.0,
    ) -> None:
        self.enricher = enricher
        self.states = states
        self.new_state = new_state
        self.metrics = metrics
        self.partition_of = partition_of
        self.corrections = corrections
        self.max_message_bytes = max_message_bytes
        self.brands = frozenset(brands)
        self.max_clock_skew_seconds = max_clock_skew_seconds
        #: How far into a window it may be offered for early judgement; ``None``: never.
        self.early_min_seconds = early_min_seconds
        self.min_count = min_count
        #: Brands restored with windows in their outbox: read back before publishing them.
        self.unverified: set[str] = set()
        #: partition → an offset of window-counts up to which this worker knows what was published.
        self.published_through: dict[int, int] = {}

    # The hot path (runs in an executor thread; the caller serialises calls)

    def process(self, batch: Sequence[Raw], now: float) -> BatchOutcome:
        """Every message of ``batch`` counted, forwarded or dead-lettered; none can make the batch fail.

        Should the batch fail anyway (a bug outside the steps guarded one mention at a time),
        it is taken again message by message: what was counted before the failure is
        recognised by its offset, the message that fails alone is dead-lettered.
        """
        try:
            return self._process(batch, now)
        except Exception:  # noqa: BLE001
            log.exception("A batch of %d failed; processing it message by message", len(batch))
        outcome = BatchOutcome()
        for raw in batch:
            try:
                single = self._process([raw], now)
            except Exception as error:  # noqa: BLE001
                self._reject(raw, _processing_error(error), outcome)
                continue
            outcome.dead_letters += single.dead_letters
            outcome.forwards += single.forwards
            outcome.counted += single.counted
            outcome.redelivered += single.redelivered
        return outcome

    def _process(self, batch: Sequence[Raw], now: float) -> BatchOutcome:
        outcome = BatchOutcome()
        valid = [v for v in (self._decode(raw, now, outcome) for raw in batch) if v is not None]
        self._enrich(valid, outcome)
        by_brand: dict[str, list[_Valid]] = defaultdict(list)
        for item in valid:
            if item.enriched is not None:
                by_brand[item.mention.brand].append(item)
        for brand, items in by_brand.items():
            self._count(brand, items, now, outcome)
        return outcome

    def _decode(self, raw: Raw, now: float, outcome: BatchOutcome) -> _Valid | None:
        try:
            mention = decode_mention(raw.value, max_bytes=self.max_message_bytes, brands=self.brands)
            ahead = mention.created_at.timestamp() - now
            if ahead > self.max_clock_skew_seconds:
                raise InvalidMention(
                    RejectReason.FROM_THE_FUTURE,
                    f"created_at is {ahead:.0f} s ahead of the worker's clock "
                    f"(more than {self.max_clock_skew_seconds:.0f} s)",
                )
            brand = mention.brand
            if raw.key != brand.encode() or raw.partition != self.partition_of(brand):
                # Not on its brand's partition: counting it here would split the brand's state.
                outcome.forwards.append((brand, raw.value))
                return None
            state = self.state_of(brand, now)
            if raw.offset <= state.offset:
                # Applied before a restart: already in the windows (or already dead-lettered).
                outcome.redelivered += 1
                self.metrics.duplicates.labels(brand=self.metrics.brand_label(brand)).inc()
                return None
            return _Valid(raw, mention)
        except InvalidMention as error:
            self._reject(raw, error, outcome)
        except Exception as error:  # noqa: BLE001  (one bad mention must never cost the others)
            self._reject(raw, _processing_error(error), outcome)
        return None

    def _enrich(self, valid: list[_Valid], outcome: BatchOutcome) -> None:
        if not valid:
            return
        try:
            enriched = self.enricher.enrich([item.mention for item in valid])
        except Exception:  # noqa: BLE001  (retried one by one below, to find the culprit)
            log.warning("Enriching a batch of %d failed; retrying mention by mention", len(valid), exc_info=True)
            for item in valid:
                try:
                    (item.enriched,) = self.enricher.enrich([item.mention])
                except Exception as error:  # noqa: BLE001
                    self._reject(item.raw, _processing_error(error), outcome)
            return
        for item, mention in zip(valid, enriched, strict=True):
            item.enriched = mention

    def _count(self, brand: str, items: list[_Valid], now: float, outcome: BatchOutcome) -> None:
        state = self.state_of(brand, now)
        mentions = self._corrected(brand, [item.enriched for item in items])
        verdicts = self._judge(state.judge, mentions)
        counted = []
        for item, mention, verdict in zip(items, mentions, verdicts, strict=True):
            try:
                if isinstance(verdict, Exception):
                    raise verdict
                added = state.windows.add(mention, now=now, kind=verdict.kind, suspected_bot=verdict.suspected_bot)
                if added is Added.TOO_OLD:
                    self._reject(item.raw, _too_old(mention, state.windows), outcome)
                elif added is Added.COUNTED:
                    counted.append((mention, verdict.kind, verdict.suspected_bot))
            except Exception as error:  # noqa: BLE001
                self._reject(item.raw, _processing_error(error), outcome)
            state.offset = max(state.offset, item.raw.offset)
        outcome.counted += len(counted)
        self.metrics.count_mentions(counted, now=now)
        self._close(brand, state, now)

    def _judge(self, judge: Authenticity, mentions: list[EnrichedMention]) -> list[Verdict | Exception]:
        try:
            return list(judge.judge(mentions))
        except Exception:  # noqa: BLE001
            log.warning("Judging a batch of %d failed; judging mention by mention", len(mentions), exc_info=True)
        verdicts: list[Verdict | Exception] = []
        for mention in mentions:
            try:
                verdicts.extend(judge.judge([mention]))
            except Exception as error:  # noqa: BLE001
                verdicts.append(error)
        return verdicts

    def _corrected(self, brand: str, mentions: list[EnrichedMention]) -> list[EnrichedMention]:
        """The mentions with the sentiment the brand's relabels taught, once there were enough of them."""
        correction = self.corrections(brand)
        if correction is None:
            return mentions
        try:
            probabilities = correction.correct(
                [m.text for m in mentions], np.array([m.sentiment_probs for m in mentions])
            )
        except Exception:  # noqa: BLE001  (uncorrected scores beat lost mentions)
            log.warning("The sentiment correction of %s failed; scores left as they were", brand, exc_info=True)
            return mentions
        return [
            mention.model_copy(update={"sentiment_probs": (float(p[0]), float(p[1]), float(p[2]))})
            for mention, p in zip(mentions, probabilities)
        ]

    def _reject(self, raw: Raw, error: InvalidMention, outcome: BatchOutcome) -> None:
        self.metrics.dead_letter(error.reason)
        log.warning("Dead-lettered %s[%d]@%d: %s", raw.topic, raw.partition, raw.offset, error)
        outcome.dead_letters.append(
            dead_letter(error, topic=raw.topic, partition=raw.partition, offset=raw.offset, key=raw.key, raw=raw.value)
        )

    # State

    def state_of(self, brand: str, now: float) -> BrandState:
        state = self.states.live(brand)
        if state is not None:
            return state
        try:
            state = self.states.get(brand)
        except ValueError:
            log.warning("The saved state of %s is of another layout: it starts afresh", brand, exc_info=True)
        if state is None:
            state = self.new_state(brand)
            self.states.put(brand, state)
            return state
        # Restored from the changelog. The time the worker was down is no silence of the brand's:
        # its mentions of that time wait in the topic, and must not find their windows closed.
        if state.windows.stream_time_wall is not None:
            state.windows.stream_time_wall = now
        # What it knew published bounds what must be read back.
        partition = self.partition_of(brand)
        self.published_through[partition] = max(self.published_through.get(partition, -1), state.published_through)
        if state.outbox:
            self.unverified.add(brand)
        return state

    def _close(self, brand: str, state: BrandState, now: float) -> None:
        state.outbox.extend(state.windows.close(now=now))
        self.states.mark(brand)

    def close_quiet(self, brands: Iterable[str], now: float) -> None:
        """Close the windows of brands gone quiet: their zeros matter to the baseline."""
        for brand in brands:
            state = self.state_of(brand, now)
            closed = state.windows.close(now=now)
            if closed:
                state.outbox.extend(closed)
                self.states.mark(brand)

    def snapshots(self, brands: Iterable[str], now: float) -> list[WindowCount]:
        """The open windows of ``brands`` already notable, for early judgement; nothing is changed.

        Only brands whose closed windows are all published: the detect stage must have judged the
        window before, or a window it has not seen yet would read as the end of the early alert.
        """
        if self.early_min_seconds is None:
            return []
        offered = []
        for brand in brands:
            state = self.states.live(brand)
            if state is None or state.outbox or brand in self.unverified:
                continue
            window = state.windows.snapshot(now=now, min_seconds=self.early_min_seconds, min_count=self.min_count)
            if window is not None:
                offered.append(window)
        return offered

    def outboxes(self) -> list[tuple[str, BrandState]]:
        return [(brand, state) for brand, state in self.states.live_items() if state.outbox]

    def published(self, brand: str, state: BrandState, offset: int | None) -> None:
        """``state``'s outbox is on the topic (the last of it at ``offset``): forget it at the next checkpoint."""
        partition = self.partition_of(brand)
        if offset is not None:
            self.published_through[partition] = max(self.published_through.get(partition, -1), offset)
        state.outbox.clear()
        self.states.mark(brand)

    def stamp(self) -> None:
        """Before encoding a checkpoint: each changed brand records what is known published."""
        for brand in self.states.dirty_keys():
            state = self.states.get(brand)
            if state is not None:
                state.published_through = max(
                    state.published_through, self.published_through.get(self.partition_of(brand), -1)
                )

    def drop_published(self, brand: str, already: set[datetime]) -> None:
        """Read back: windows of ``brand``'s outbox that the topic holds already are not sent again."""
        state = self.states.get(brand)
        self.unverified.discard(brand)
        if state is not None:
            kept = [window for window in state.outbox if window.start not in already]
            if len(kept) != len(state.outbox):
                log.info("%s: %d window(s) were published before the restart", brand, len(state.outbox) - len(kept))
                state.outbox[:] = kept
                self.states.mark(brand)

    def forget(self) -> None:
        self.states.forget()
        self.unverified.clear()
        self.published_through.clear()


def _processing_error(error: Exception) -> InvalidMention:
    return InvalidMention(RejectReason.PROCESSING_ERROR, f"{type(error).__name__}: {error}"[:1000])


def _too_old(mention: Mention, windows: BrandWindows) -> InvalidMention:
    closed_until = (
        datetime.fromtimestamp(windows.next_close, UTC).isoformat() if windows.next_close is not None else "?"
    )
    return InvalidMention(
        RejectReason.TOO_OLD,
        f"created_at {mention.created_at.isoformat()} is before the brand's open windows (closed until "
        f"{closed_until}, lateness {windows.lateness_seconds} s)",
    )

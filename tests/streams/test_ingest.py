"""The ingest stage's logic, driven batch by batch with plain dicts for tables (the worker's tests are end to end)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from badbuzz.detectors.authenticity import Authenticity
from badbuzz.detectors.enrichment.sentiment.feedback import BrandCorrections, Relabel
from badbuzz.streams.config import Settings
from badbuzz.streams.enrichment import Enricher
from badbuzz.streams.ingest import BrandState, BrandStateCodec, IngestStage, Raw
from badbuzz.streams.metrics import Metrics
from badbuzz.streams.state import StateTable
from badbuzz.streams.windows import BrandWindows
from badbuzz.vocabulary.records import Author, Mention, WindowCount

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ENRICHER = Enricher.from_settings(Settings())


def windows(brand: str, state: dict | None = None) -> BrandWindows:
    return BrandWindows.from_state(brand, state, window_seconds=60, lateness_seconds=10, max_gap_windows=30)


def new_stage(enricher=ENRICHER, table: dict | None = None, **early) -> tuple[IngestStage, CollectorRegistry]:
    registry = CollectorRegistry()
    states = StateTable({} if table is None else table, BrandStateCodec(windows, Settings().authenticity))
    stage = IngestStage(
        enricher=enricher,
        states=states,
        new_state=lambda brand: BrandState(windows=windows(brand), judge=Authenticity()),
        metrics=Metrics(registry, brands=("acme",), languages=("fr", "en")),
        partition_of=lambda brand: 0,
        max_message_bytes=65_536,
        max_clock_skew_seconds=300,
        **early,
    )
    return stage, registry


def raw(offset: int, mention: Mention | bytes, key: bytes | None = b"acme") -> Raw:
    value = mention if isinstance(mention, bytes) else mention.model_dump_json().encode()
    return Raw("badbuzz.mentions", 0, offset, key, value)


def mention(i: int, at: datetime, followers: int = 10) -> Mention:
    return Mention(
        id=f"x:{i}",
        brand="acme",
        platform="x",
        author=Author(handle=f"a{i}", followers=followers),
        text=f"Acme a encore perdu mon colis numéro {i}",
        created_at=at,
    )


def reasons(outcome) -> list[str]:
    return [letter.reason for letter in outcome.dead_letters]


def test_a_batch_is_counted_and_its_closed_windows_wait_in_the_outbox():
    stage, _ = new_stage()
    batch = [raw(i, mention(i, NOW + timedelta(seconds=i))) for i in range(50)]
    batch.append(raw(50, mention(50, NOW + timedelta(minutes=2))))
    outcome = stage.process(batch, now=NOW.timestamp())
    assert (outcome.counted, outcome.dead_letters) == (51, [])
    ((brand, state),) = stage.outboxes()
    assert [(w.start, w.volume + w.suspected_bots) for w in state.outbox] == [(NOW, 50)]
    assert state.offset == 50


def test_bounded_event_time_too_old_and_from_the_future_are_dead_lettered():
    stage, registry = new_stage()
    wall = time.time()
    first = NOW + timedelta(minutes=5)
    outcome = stage.process([raw(0, mention(0, first)), raw(1, mention(1, first + timedelta(minutes=2)))], now=wall)
    assert outcome.counted == 2  # the first window is closed now
    ahead = datetime.fromtimestamp(wall, UTC) + timedelta(hours=1)
    outcome = stage.process([raw(2, mention(2, NOW)), raw(3, mention(3, ahead))], now=wall)
    assert sorted(reasons(outcome)) == ["from_the_future", "too_old"]
    assert registry.get_sample_value("badbuzz_dead_letters_total", {"reason": "from_the_future"}) == 1


def test_a_1970_first_mention_opens_a_bounded_number_of_windows():
    stage, _ = new_stage()
    outcome = stage.process(
        [
            raw(0, mention(0, datetime(1970, 1, 2, tzinfo=UTC))),
            raw(1, mention(1, NOW)),
            raw(2, mention(2, NOW + timedelta(minutes=1))),
        ],
        now=NOW.timestamp(),
    )
    assert outcome.counted == 3
    ((_, state),) = stage.outboxes()
    assert len(state.outbox) <= 30 + 2
    assert sum(w.volume + w.suspected_bots for w in state.outbox) == 1  # 1970's window; NOW's is still open


def test_a_mention_that_makes_processing_raise_is_dead_lettered_alone():
    class Fragile:
        """The real enricher, failing on one text: the batch fails, then each mention is tried alone."""

        def __init__(self):
            self.scorer = ENRICHER.scorer

        def enrich(self, mentions):
            if any("poison" in m.text for m in mentions):
                raise OverflowError("int too large to convert to float")
            return ENRICHER.enrich(mentions)

    stage, _ = new_stage(enricher=Fragile())
    batch = [raw(i, mention(i, NOW + timedelta(seconds=i))) for i in range(5)]
    poison = mention(9, NOW).model_copy(update={"text": "poison"})
    batch.insert(2, raw(9, poison))
    outcome = stage.process(batch, now=NOW.timestamp())
    assert outcome.counted == 5
    (letter,) = outcome.dead_letters
    assert (letter.reason, letter.offset) == ("processing_error", 9)
    assert letter.detail.startswith("OverflowError: ")


def test_redeliveries_after_a_restart_are_already_counted_not_late():
    table: dict = {}
    stage, _ = new_stage(table=table)
    batch = [raw(i, mention(i, NOW + timedelta(seconds=i))) for i in range(10)]
    batch.append(raw(10, mention(10, NOW + timedelta(minutes=2))))
    stage.process(batch, now=NOW.timestamp())
    stage.states.checkpoint()
    restarted, registry = new_stage(table=table)
    outcome = restarted.process(
        batch + [raw(11, mention(11, NOW + timedelta(minutes=2, seconds=1)))], now=NOW.timestamp()
    )
    assert (outcome.counted, outcome.redelivered, outcome.dead_letters) == (1, 11, [])
    assert restarted.unverified == {"acme"}  # its outbox is read back before it is published
    assert registry.get_sample_value("badbuzz_duplicate_mentions_total", {"brand": "acme"}) == 11


@pytest.mark.parametrize("key", [None, b"someone-else"])
def test_a_mention_keyed_otherwise_is_forwarded_to_its_brand(key):
    stage, _ = new_stage()
    outcome = stage.process([raw(0, mention(0, NOW), key=key)], now=NOW.timestamp())
    assert (outcome.counted, outcome.forwards) == (0, [("acme", mention(0, NOW).model_dump_json().encode())])


def test_bad_bytes_keep_their_reasons():
    stage, _ = new_stage()
    outcome = stage.process([raw(0, b"{nope"), raw(1, b"\xff\xfe"), raw(2, b'{"id": 1}')], now=NOW.timestamp())
    assert reasons(outcome) == ["invalid_json", "invalid_utf8", "invalid_schema"]


def test_the_time_a_worker_was_down_is_no_silence_of_its_brands():
    table: dict = {}
    stage, _ = new_stage(table=table)
    stage.process([raw(0, mention(0, NOW))], now=NOW.timestamp())
    stage.states.checkpoint()
    restarted, _ = new_stage(table=table)
    back = NOW.timestamp() + 120  # two minutes down: the brand's mentions of that time wait in the topic
    restarted.close_quiet(["acme"], now=back)
    outcome = restarted.process([raw(1, mention(1, NOW + timedelta(seconds=30)))], now=back)
    assert (outcome.counted, outcome.dead_letters) == (1, [])


def test_an_open_window_is_offered_early_only_once_notable_and_after_the_windows_before_it():
    stage, _ = new_stage(early_min_seconds=10, min_count=10)
    wall = NOW.timestamp()
    # A usual minute, a mention every 5 s; then a flood into the next one (authors followed enough
    # not to read as bots).
    usual = [raw(i, mention(i, NOW + timedelta(seconds=5 * i), followers=5000)) for i in range(12)]
    stage.process(usual, now=wall + 59)
    assert stage.snapshots(["acme"], now=wall + 59) == [], "no window closed yet: nothing to compare with"
    flood = [raw(12 + i, mention(12 + i, NOW + timedelta(seconds=70 + i / 2), followers=5000)) for i in range(30)]
    stage.process(flood, now=wall + 85)
    ((brand, state),) = stage.outboxes()
    assert stage.snapshots(["acme"], now=wall + 85) == [], "the window before it is not published yet"
    stage.published(brand, state, offset=0)
    (early,) = stage.snapshots(["acme"], now=wall + 85)
    assert (early.start, early.volume, early.elapsed_seconds) == (NOW + timedelta(minutes=1), 30, 24.5)
    assert early.partial and WindowCount.model_validate_json(early.model_dump_json()) == early
    assert not stage.outboxes(), "a snapshot is offered, never kept to be published"


def test_a_usual_open_window_is_not_offered():
    stage, _ = new_stage(early_min_seconds=10, min_count=10)
    wall = NOW.timestamp()
    steady = [raw(i, mention(i, NOW + timedelta(seconds=3 * i), followers=5000)) for i in range(35)]
    stage.process(steady, now=wall + 104)
    ((brand, state),) = stage.outboxes()
    stage.published(brand, state, offset=0)
    assert stage.snapshots(["acme"], now=wall + 104) == [], "15 mentions in 44 s after 20 in a minute"
    off, _ = new_stage()
    off.process(steady, now=wall + 104)
    assert off.snapshots(["acme"], now=wall + 104) == [], "early judgement off"


def test_a_brand_s_relabels_correct_its_mentions_sentiment_once_there_are_enough():
    """The worker's relabel learning, as the pipeline wires it: corrections learnt, then applied past the minimum."""
    table: dict = {}
    corrections = BrandCorrections(table, min_relabels=20)
    relabels = [
        Relabel(
            mention_id=f"x:{i}",
            brand="acme",
            text=mention(i, NOW).text,
            language="fr",
            label="neutral",
            user="cm",
            at=NOW,
        )
        for i in range(20)
    ]

    def counted() -> tuple[int, int]:
        """The mentions by people of a closed window, and how many of them are negative."""
        stage, _ = new_stage(corrections=corrections.of)
        batch = [raw(i, mention(100 + i, NOW + timedelta(seconds=i))) for i in range(30)]
        stage.process([*batch, raw(30, mention(130, NOW + timedelta(minutes=2)))], now=NOW.timestamp())
        ((_, state),) = stage.outboxes()
        return state.outbox[0].volume, state.outbox[0].negative

    volume, negative = counted()
    assert negative == volume > 0
    table.update(corrections.learn(relabels[:19], ENRICHER.scorer))
    assert counted() == (volume, volume), "19 relabels are not enough yet"
    table.update(corrections.learn(relabels[19:], ENRICHER.scorer))
    assert counted() == (volume, 0)

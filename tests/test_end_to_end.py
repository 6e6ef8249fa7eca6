"""The whole pipeline, for real: embedded broker, a worker process, a fake Slack over HTTP."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from badbuzz.streams.tooling.feed import MentionProducer, replay
from badbuzz.streams.tooling.simulator import Brand, Crisis, MentionSimulator
from badbuzz.streams.topics import DEAD_LETTERS, MENTIONS, WINDOW_COUNTS
from badbuzz.vocabulary.records import Author, Mention, WindowCount
from tests.conftest import read_topic, wait_for

#: A Monday lunchtime in Paris: the simulated brands are at their busiest.
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def slack_settings(fake_slack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "BADBUZZ_SLACK_CHANNEL": "#brand-crisis",
        "BADBUZZ_SLACK_BASE_URL": fake_slack.url,
    }


def producer_for(broker) -> MentionProducer:
    return MentionProducer([broker.url.removeprefix("kafka://")], MENTIONS)


def mention(brand: str, mention_id: str, at: datetime, text: str = "Une mention") -> Mention:
    return Mention(
        id=mention_id,
        brand=brand,
        platform="x",
        author=Author(handle="someone", followers=120),
        text=text,
        language="fr",
        created_at=at,
    )


def counts_of(records, brand: str) -> dict[datetime, WindowCount]:
    counts = (WindowCount.model_validate_json(record.value) for record in records)
    return {count.start: count for count in counts if count.brand == brand and not count.partial}


def test_a_crisis_reaches_slack_as_one_message_and_quiet_brands_stay_quiet(broker, fake_slack, make_worker):
    worker = make_worker(
        broker,
        BADBUZZ_BRANDS="acme,globex",
        BADBUZZ_RESOLVE_AFTER_SECONDS="300",
        BADBUZZ_CONSOLE_ALERTS="false",
        # A replay crosses a day of event time in a minute of wall time: without a group wait,
        # the opening is sent before the resolution rather than folded into it.
        BADBUZZ_ROUTING='{"route": {"receiver": "slack", "group_wait": "0s"}}',
        **slack_settings(fake_slack),
    )
    worker.start().wait_ready()
    crisis = Crisis(brand="acme", starts_at=START + timedelta(minutes=2), minutes=4)
    simulator = MentionSimulator(
        brands=(Brand("acme", peak_per_minute=30, french=0.6), Brand("globex", peak_per_minute=30, french=0.5)),
        crises=(crisis,),
        seed=3,
    )
    producer = producer_for(broker)
    # A day and more of history first: the detectors learn the daily rhythm before they judge.
    for m in simulator.between(START - timedelta(hours=26), START + timedelta(minutes=20)):
        producer.send_mention(m)
    producer.close()

    wait_for(
        lambda: any("Resolved" in body["text"] for body in fake_slack.messages(threaded=True)),
        timeout=240,
        what="the incident to open and resolve",
    )
    top_level = fake_slack.messages(threaded=False)
    assert len(top_level) == 1, [body["text"] for body in top_level]
    assert "acme" in top_level[0]["text"]
    assert top_level[0]["blocks"], "the message carries Block Kit blocks beside its text fallback"
    assert all("globex" not in body["text"] for body in fake_slack.messages())
    # Later changes edit that one message rather than posting new ones.
    assert {update["ts"] for update in fake_slack.updates()} == {fake_slack.messages(threaded=True)[0]["thread_ts"]}
    assert all(call.authorization == "Bearer xoxb-test-token" for call in fake_slack.calls)
    worker.stop()


def test_bad_input_is_dead_lettered_with_its_reason_and_the_rest_still_counts(broker, make_worker):
    make_worker(broker, BADBUZZ_BRANDS="initech").start().wait_ready()
    window = START.replace(hour=9)
    valid = [
        mention("initech", f"x:{i}", window + timedelta(seconds=5 * i)).model_dump_json().encode() for i in range(3)
    ]
    good = json.loads(valid[0])
    bad = {
        "invalid_json": b'{"id": "x:9", "brand": "initech", ',
        "invalid_schema": json.dumps({k: v for k, v in good.items() if k != "text"}).encode(),
        "wrong_type": json.dumps({**good, "author": {"handle": "a", "followers": "many"}}).encode(),
        "long_text": json.dumps({**good, "text": "x" * 25_000}).encode(),
        "too_large": json.dumps({**good, "text": "x" * 70_000}).encode(),
        "invalid_utf8": b'{"id": "x:8", "text": "\xff\xfe"}',
        "unknown_brand": json.dumps({**good, "brand": "someone-else"}).encode(),
    }
    closer = mention("initech", "x:late", window + timedelta(minutes=3)).model_dump_json().encode()
    lines = [
        valid[0],
        bad["invalid_json"],
        bad["invalid_schema"],
        valid[1],
        bad["wrong_type"],
        bad["long_text"],
        bad["too_large"],
        bad["invalid_utf8"],
        valid[2],
        bad["unknown_brand"],
        valid[0],
        closer,
    ]
    producer = producer_for(broker)
    replay(lines, producer, speed=0)
    producer.close()

    letters = [json.loads(r.value) for r in read_topic(broker, DEAD_LETTERS, lambda rs: len(rs) >= len(bad))]
    assert len(letters) == len(bad)
    assert sorted(letter["reason"] for letter in letters) == sorted(
        [
            "invalid_json",
            "invalid_schema",
            "invalid_schema",
            "invalid_schema",
            "too_large",
            "invalid_utf8",
            "unknown_brand",
        ]
    )
    assert {base64.b64decode(letter["original"]) for letter in letters} == set(bad.values())
    assert all(letter["detail"] and letter["topic"] == MENTIONS for letter in letters)

    records = read_topic(broker, WINDOW_COUNTS, lambda rs: window in counts_of(rs, "initech"))
    counted = counts_of(records, "initech")[window]
    assert (counted.volume, counted.duplicates) == (3, 1)


def test_window_counts_survive_a_worker_restart(broker, make_worker):
    """State lives in changelog topics: a new worker resumes the open window, ids and all."""
    worker = make_worker(broker, BADBUZZ_BRANDS="umbrella").start().wait_ready()
    window = START.replace(hour=10)
    producer = producer_for(broker)
    for i in range(5):
        producer.send_mention(mention("umbrella", f"u:{i}", window + timedelta(seconds=i)))
    producer.flush()
    read_topic(
        broker,
        "badbuzz-brand-states-changelog",
        lambda rs: any(
            json.loads(r.value)["windows"]["open"].get(str(int(window.timestamp())), {}).get("counts", [0])[0] == 5
            for r in rs
        ),
    )
    worker.stop()
    worker.start().wait_ready()
    for i in range(3, 8):  # u:3 and u:4 again: a collector's redelivery
        producer.send_mention(mention("umbrella", f"u:{i}", window + timedelta(seconds=10 + i)))
    producer.send_mention(mention("umbrella", "u:next", window + timedelta(minutes=3)))
    producer.close()

    records = read_topic(broker, WINDOW_COUNTS, lambda rs: window in counts_of(rs, "umbrella"))
    counted = counts_of(records, "umbrella")[window]
    assert counted.volume == 8
    assert counted.duplicates >= 2

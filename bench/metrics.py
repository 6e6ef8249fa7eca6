"""Cost of the worker's metrics: per call on the agents' hot path, and per scrape of ``/metrics``.

Counts simulated mentions into a private registry, then renders the exposition with
every label combination the design allows for a few brands. Prints the figures;
asserts nothing.

    python bench/metrics.py --mentions 200000 --brands 20
"""

from __future__ import annotations

import argparse
import itertools
import time
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from badbuzz.streams.metrics import KIND_LABELS, Metrics
from badbuzz.vocabulary.records import Author, EnrichedMention, Kind, Platform, WindowCount
from badbuzz.vocabulary.sentiment import LABELS
from badbuzz.vocabulary.signals import Judgement

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LANGUAGES = ("en", "fr", "de", "es")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--brands", type=int, default=20)
    args = parser.parse_args()

    brands = tuple(f"brand-{i}" for i in range(args.brands))
    metrics = Metrics(CollectorRegistry(), brands=brands, languages=LANGUAGES)
    combos = list(itertools.product(brands, Platform, LANGUAGES + ("ja",)))
    probs = ((0.8, 0.1, 0.1), (0.1, 0.8, 0.1), (0.1, 0.1, 0.8))
    mentions = [
        EnrichedMention(
            id=f"x:{i}",
            brand=brand,
            platform=platform,
            author=Author(handle="a", followers=10),
            text="hello",
            created_at=START,
            detected_language=language,
            sentiment_probs=probs[i % 3],
            reach=10.0,
        )
        for i, (brand, platform, language) in enumerate(combos)
    ]
    kinds = list(Kind)
    now = (START + timedelta(seconds=5)).timestamp()

    began = time.perf_counter()
    for i in range(args.mentions):
        metrics.count_mention(
            mentions[i % len(mentions)], kind=kinds[i % len(kinds)], suspected_bot=i % 50 == 0, now=now
        )
    per_mention = (time.perf_counter() - began) / args.mentions

    window = WindowCount(brand=brands[0], start=START, end=START + timedelta(minutes=1), volume=10)
    judgement = Judgement(10, 1.0, None, 9, 8, 11)
    began = time.perf_counter()
    for _ in range(10_000):
        metrics.window_closed(window, negative_share=0.2)
        metrics.judged(brands[0], "volume", judgement, threshold=6.0)
    per_window = (time.perf_counter() - began) / 10_000

    began = time.perf_counter()
    body = generate_latest(metrics.registry)
    scrape = time.perf_counter() - began
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))

    print(f"count_mention: {per_mention * 1e6:.1f} µs per mention ({1 / per_mention:,.0f} mentions/s on one core)")
    print(f"window_closed + judged: {per_window * 1e6:.1f} µs per window")
    print(
        f"/metrics after mentions of {args.brands} brands, {len(LABELS)} sentiments, "
        f"{len(LANGUAGES) + 1} languages, "
        f"{len(Platform)} platforms, {len(KIND_LABELS)} kinds: {series:,} series, {len(body) / 1024:,.0f} KiB, "
        f"rendered in {scrape * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()

"""Authenticity judge throughput, state size and memory for one busy brand.

Replays a busy brand's hour (the airline tweets, then variants of them, as texts; ``--per-minute`` mentions a
minute, 5 % reposts, a copy-paste campaign and a posting bot mixed in) through
:class:`badbuzz.detectors.authenticity.Authenticity` in batches of several sizes, then prints
mentions per second, the kinds and flags found, the size of the saved state and the
process memory the state holds. Times are CPU times of this process: figures per core,
whatever else the machine runs. Asserts nothing.

    python bench/amplification.py --mentions 100000 --per-minute 600
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from badbuzz.detectors.authenticity import Authenticity
from badbuzz.vocabulary.records import Author, Mention

AIRLINE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "airline" / "Tweets.csv"
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CAMPAIGN = "Boycott {brand}: they lost my luggage and refuse any refund, share this everywhere"


def stream(n: int, per_minute: float, seed: int = 1) -> list[Mention]:
    rng = random.Random(seed)
    with AIRLINE.open(encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    vocabulary = [word for text in texts for word in text.split()]
    authors = [Author(handle=f"person{i}", followers=int(rng.paretovariate(1.1) * 50)) for i in range(20_000)]
    mentions = []
    for i in range(n):
        at = START + timedelta(minutes=i / per_minute)
        author = rng.choice(authors)
        roll = rng.random()
        if roll < 0.05:
            text = f"RT @{rng.choice(authors).handle}: {rng.choice(texts)}"
        elif roll < 0.07:
            text = f"{CAMPAIGN.format(brand='oceane-air')} {'!' * rng.randint(0, 3)} https://t.co/{i}"
            author = Author(handle=f"fresh{rng.randint(0, 999)}", followers=rng.randint(0, 20))
        elif roll < 0.075:
            text, author = f"Cheap flights here {i}", Author(handle="deals4u", followers=2)
        else:
            text = texts[i % len(texts)]
            # Past the corpus, half the words are swapped at random: new texts, as diverse as real ones.
            if i >= len(texts):
                text = " ".join(w if rng.random() < 0.5 else rng.choice(vocabulary) for w in text.split())
        mentions.append(Mention(id=str(i), brand="oceane-air", platform="x", author=author, text=text, created_at=at))
    return mentions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--per-minute", type=float, default=600, help="The brand's rate of mentions.")
    args = parser.parse_args()

    mentions = stream(args.mentions, args.per_minute)
    span = mentions[-1].created_at - mentions[0].created_at
    print(f"{len(mentions):,} mentions of one brand over {span} ({args.per_minute:g} a minute)")
    print(f"{'batch':>6} {'mentions/s':>11} {'original':>9} {'repost':>7} {'copy':>6} {'bot':>6}")
    for batch_size in (10, 100, 2000):
        judge = Authenticity()
        started = time.process_time()
        verdicts = []
        for start in range(0, len(mentions), batch_size):
            verdicts.extend(judge.judge(mentions[start : start + batch_size]))
        elapsed = time.process_time() - started
        kinds = Counter(v.kind.value for v in verdicts)
        bots = sum(v.suspected_bot for v in verdicts)
        print(
            f"{batch_size:>6} {len(mentions) / elapsed:>11,.0f} {kinds['original']:>9,} {kinds['repost']:>7,}"
            f" {kinds['copy']:>6,} {bots:>6,}"
        )
    print("bot reasons:", dict(Counter(r.value for v in verdicts for r in v.reasons)))

    tracemalloc.start()
    judge = Authenticity()
    for start in range(0, len(mentions), 2000):
        judge.judge(mentions[start : start + 2000])
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.process_time()
    state = json.dumps(judge.state())
    saved = time.process_time() - started
    started = time.process_time()
    Authenticity.from_state(json.loads(state))
    loaded = time.process_time() - started
    print(
        f"after the last batch: {len(judge._amplification):,} texts remembered; state {len(state) / 1e3:,.0f} kB JSON"
        f" (save {saved * 1e3:.0f} ms, load {loaded * 1e3:.0f} ms); memory held {held / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()

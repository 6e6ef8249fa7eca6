"""Feedback: macro-F1 on airline tweets before and after learning community managers' relabels.

Replays the 14,640 airline tweets (six airlines = six brands) in time order; a
community manager relabels the first N of them with their true label. For each N,
prints the macro-F1 of the base scorer and of the base corrected by the
:class:`BrandCorrections` that learnt those relabels (what the worker runs), on the tweets
that were not relabelled, per brand and overall.
Asserts nothing.

The base scorer is, by default, a stand-in trained at start on UMSAB's English train
split (TF-IDF of words and character n-grams, logistic regression); ``--scorer
module:factory`` scores with any zero-argument factory of a ``SentimentScorer``
instead, e.g. ``--scorer badbuzz.detectors.enrichment.sentiment:make_scorer``.

    python bench/feedback.py --relabels 0 100 300 1000 3000
"""

from __future__ import annotations

import argparse
import csv
import importlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline, make_union

from badbuzz.detectors.enrichment.sentiment import SentimentScorer
from badbuzz.detectors.enrichment.sentiment.feedback import BrandCorrections, Relabel
from badbuzz.vocabulary.sentiment import LABELS, Sentiment, label_of

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
AIRLINE = SHARED / "airline" / "Tweets.csv"
UMSAB_ENGLISH = SHARED / "sentiment" / "english"


class UmsabTfidfScorer:
    """A stand-in English scorer: TF-IDF and logistic regression on UMSAB's English train split."""

    def __init__(self) -> None:
        texts = (UMSAB_ENGLISH / "train_text.txt").read_text(encoding="utf-8").splitlines()
        labels = [int(line) for line in (UMSAB_ENGLISH / "train_labels.txt").read_text().splitlines()]
        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
        )
        self.model = make_pipeline(features, LogisticRegression(C=3.0, max_iter=2000))
        self.model.fit(texts, labels)

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(list(texts))


class Remembered:
    """Scores each distinct text once: the bench asks the base about the same tweets many times."""

    def __init__(self, base: SentimentScorer) -> None:
        self.base = base
        self.known: dict[str, np.ndarray] = {}

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        new = [(t, lang) for t, lang in dict(zip(texts, languages, strict=True)).items() if t not in self.known]
        if new:
            scored = self.base.predict_proba([t for t, _ in new], [lang for _, lang in new])
            self.known.update(zip([t for t, _ in new], scored, strict=True))
        return np.array([self.known[t] for t in texts])


def make_base(spec: str) -> SentimentScorer:
    if spec == "umsab-tfidf":
        return UmsabTfidfScorer()
    module, _, factory = spec.partition(":")
    return getattr(importlib.import_module(module), factory)()


def airline_relabels() -> list[Relabel]:
    with AIRLINE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    relabels = [
        Relabel(
            mention_id=row["tweet_id"],
            brand=row["airline"],
            text=row["text"],
            language="en",
            label=Sentiment(row["airline_sentiment"]),
            user="bench",
            at=datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z"),
        )
        for row in rows
    ]
    return sorted(relabels, key=lambda r: r.at)


def macro_f1(truth: Sequence[Sentiment], proba: np.ndarray) -> float:
    predicted = [label_of(probs) for probs in proba]
    return f1_score(truth, predicted, labels=list(LABELS), average="macro")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relabels", type=int, nargs="+", default=[0, 100, 300, 1000, 3000])
    parser.add_argument("--scorer", default="umsab-tfidf", help="'umsab-tfidf', or module:factory of a scorer.")
    parser.add_argument("--min-relabels", type=int, default=20)
    parser.add_argument("--learning-rate", type=float, default=0.2)
    parser.add_argument("--l2", type=float, default=1e-4)
    args = parser.parse_args()

    base = Remembered(make_base(args.scorer))
    tweets = airline_relabels()
    brands = sorted({t.brand for t in tweets})
    base.predict_proba([t.text for t in tweets], [t.language for t in tweets])

    results: dict[int, dict[str, tuple[int, float, float]]] = {}
    for n in args.relabels:
        table: dict = {}
        corrections = BrandCorrections(table, args.min_relabels, args.learning_rate, args.l2)
        table.update(corrections.learn(tweets[:n], base))
        rest = tweets[n:]
        before = base.predict_proba([t.text for t in rest], [t.language for t in rest])
        after = before.copy()
        for brand in brands:
            rows = [i for i, t in enumerate(rest) if t.brand == brand]
            correction = corrections.of(brand)
            if correction is not None:
                after[rows] = correction.correct([rest[i].text for i in rows], before[rows])
        results[n] = {}
        for brand in [*brands, "overall"]:
            rows = [i for i, t in enumerate(rest) if brand in ("overall", t.brand)]
            truth = [rest[i].label for i in rows]
            learnt = n if brand == "overall" else corrections.relabels_learnt(brand)
            results[n][brand] = (learnt, macro_f1(truth, before[rows]), macro_f1(truth, after[rows]))

    print(f"macro-F1 on the tweets not relabelled, base → adaptive (relabels learnt); scorer {args.scorer}")
    print(f"{'brand':<16}" + "".join(f"{f'N = {n:,}':>24}" for n in args.relabels))
    for brand in [*brands, "overall"]:
        cells = [results[n][brand] for n in args.relabels]
        print(f"{brand:<16}" + "".join(f"{f'{b:.3f} → {a:.3f} ({k:,})':>24}" for k, b, a in cells))


if __name__ == "__main__":
    main()

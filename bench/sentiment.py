"""Sentiment and language detection: macro-F1 and accuracy on labelled tweets, texts/s per core.

UMSAB val splits per language (the test splits are held out; val also chose the heads'
hyper-parameters, see bench/train_sentiment.py) and every US airline tweet (another
domain, never trained on; the slow scorers get a seeded sample). Speed is measured on
one thread in batches of 2,000, as a worker calls the scorer. Prints; asserts nothing.

    python bench/sentiment.py [--airline-sample 1000] [--scorers static e5 cascade] [--cascade-fractions 0.01 0.5]
"""

from __future__ import annotations

import os

# One core: the figures are per core, whatever the machine.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402

import numpy as np  # noqa: E402
from corpora import UMSAB_LANGUAGES, Corpus, airline, umsab  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from badbuzz.detectors.enrichment.language import LanguageDetector  # noqa: E402
from badbuzz.detectors.enrichment.sentiment import SCORERS, SentimentScorer, make_scorer  # noqa: E402
from badbuzz.vocabulary.errors import ConfigurationError  # noqa: E402

BATCH = 2000
SLOW = {"e5", "cascade"}


def timed_proba(scorer: SentimentScorer, texts: Sequence[str], language: str) -> tuple[np.ndarray, float]:
    parts, elapsed = [], 0.0
    for start in range(0, len(texts), BATCH):
        batch = list(texts[start : start + BATCH])
        began = time.process_time()
        parts.append(scorer.predict_proba(batch, [language] * len(batch)))
        elapsed += time.process_time() - began
    return np.concatenate(parts), elapsed


def sample(corpus: Corpus, size: int) -> Corpus:
    if size >= len(corpus.texts):
        return corpus
    rows = np.sort(np.random.default_rng(0).choice(len(corpus.texts), size, replace=False))
    return Corpus(f"{corpus.name} ({size} sampled)", [corpus.texts[i] for i in rows], corpus.labels[rows])


def bench_scorers(
    names: Sequence[str], val: dict[str, Corpus], tweets: Corpus, airline_sample: int, fractions: Sequence[float]
) -> None:
    header = "scorer".ljust(16) + "".join(f"{code:>7}" for code in val) + f"{'mean':>7}{'airline':>9}{'texts/s':>9}"
    print("Sentiment, macro-F1 x 100 (UMSAB val per language; airline: all tweets unless noted)")
    print(header)
    notes = []
    runs = [(name, fraction) for name in names for fraction in (fractions if name == "cascade" else [0.0])]
    for name, fraction in runs:
        try:
            scorer = make_scorer(name, cache_size=0, cascade_fraction=fraction)
        except ConfigurationError as error:
            print(f"{name:<16}skipped: {error}")
            continue
        if name == "cascade":
            name = f"cascade {fraction * 100:g}%"
        row, seconds, count = [], 0.0, 0
        for code, corpus in val.items():
            proba, elapsed = timed_proba(scorer, corpus.texts, code)
            row.append(100 * f1_score(corpus.labels, proba.argmax(axis=1), average="macro"))
            seconds, count = seconds + elapsed, count + len(corpus.texts)
        tweets_used = sample(tweets, airline_sample) if name.split()[0] in SLOW else tweets
        proba, elapsed = timed_proba(scorer, tweets_used.texts, "en")
        air = 100 * f1_score(tweets_used.labels, proba.argmax(axis=1), average="macro")
        seconds, count = seconds + elapsed, count + len(tweets_used.texts)
        if tweets_used is not tweets:
            notes.append(f"{name}: {tweets_used.name}")
        cells = "".join(f"{f:7.1f}" for f in row)
        print(f"{name:<16}{cells}{np.mean(row):7.1f}{air:9.1f}{count / seconds:9.0f}")
    for note in notes:
        print(f"  airline for {note}")


class Vader:
    """A reference: VADER's compound score with its usual +-0.05 thresholds, one language only."""

    def __init__(self, module: str) -> None:
        import importlib
        import warnings

        with warnings.catch_warnings():  # vadersentiment-fr's fuzzywuzzy asks for python-Levenshtein
            warnings.simplefilter("ignore")
            self._analyzer = importlib.import_module(module).SentimentIntensityAnalyzer()

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        compound = np.array([self._analyzer.polarity_scores(text)["compound"] for text in texts])
        return np.eye(3)[np.where(compound >= 0.05, 2, np.where(compound <= -0.05, 0, 1))]


def bench_references(val: dict[str, Corpus], tweets: Corpus) -> None:
    """VADER, English and French, where installed (pip install vaderSentiment vadersentiment-fr)."""
    for name, module, code in (
        ("vader", "vaderSentiment.vaderSentiment", "en"),
        ("vader-fr", "vaderSentiment_fr.vaderSentiment", "fr"),
    ):
        try:
            scorer = Vader(module)
        except ImportError:
            print(f"{name:<16}not installed")
            continue
        proba, elapsed = timed_proba(scorer, val[code].texts, code)
        f1 = 100 * f1_score(val[code].labels, proba.argmax(axis=1), average="macro")
        line = f"{name:<16}{code} val {f1:.1f}"
        if code == "en":
            proba, airline_elapsed = timed_proba(scorer, tweets.texts, code)
            line += f", airline {100 * f1_score(tweets.labels, proba.argmax(axis=1), average='macro'):.1f}"
            elapsed, count = elapsed + airline_elapsed, len(val[code].texts) + len(tweets.texts)
        else:
            count = len(val[code].texts)
        print(f"{line}, {count / elapsed:.0f} texts/s")


def bench_cache(tweets: Corpus) -> None:
    scorer = make_scorer("static", cache_size=50_000)
    _, elapsed = timed_proba(scorer, tweets.texts, "en")
    share = scorer.hits / (scorer.hits + scorer.misses)
    print(f"static + cache on the airline stream: {len(tweets.texts) / elapsed:.0f} texts/s, {share:.1%} repeats")


def bench_language(val: dict[str, Corpus]) -> None:
    detector = LanguageDetector(list(val))
    texts = [t for corpus in val.values() for t in corpus.texts]
    truth = [code for code, corpus in val.items() for _ in corpus.texts]
    began = time.process_time()
    found = detector.detect(texts)
    elapsed = time.process_time() - began
    print(f"\nLanguage (py3langid restricted to {','.join(val)}), UMSAB val, {len(texts)} texts:")
    per_language = " ".join(
        f"{code} {np.mean([f == code for f, t in zip(found, truth) if t == code]):.1%}" for code in val
    )
    accuracy = np.mean([f == t for f, t in zip(found, truth)])
    print(f"accuracy {accuracy:.1%} ({per_language}), {len(texts) / elapsed:.0f} texts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scorers", nargs="+", default=list(SCORERS), choices=SCORERS)
    parser.add_argument("--airline-sample", type=int, default=1000, help="airline tweets for the slow scorers")
    parser.add_argument("--cascade-fractions", type=float, nargs="+", default=[0.01, 0.2, 0.5])
    args = parser.parse_args()
    val = {code: umsab(code, "val") for code in UMSAB_LANGUAGES}
    tweets = airline()
    bench_scorers(args.scorers, val, tweets, args.airline_sample, args.cascade_fractions)
    print("References:")
    bench_references(val, tweets)
    bench_cache(tweets)
    bench_language(val)


if __name__ == "__main__":
    main()

"""The labelled corpora of ../shared/data: UMSAB tweets per language and the US airline tweets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

#: ISO 639-1 code -> UMSAB folder name.
UMSAB_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
_AIRLINE_LABELS = {"negative": 0, "neutral": 1, "positive": 2}


@dataclass(frozen=True)
class Corpus:
    name: str
    texts: list[str]
    labels: np.ndarray  # 0 = negative, 1 = neutral, 2 = positive


def umsab(language: str, split: str, root: Path = SHARED) -> Corpus:
    """One UMSAB split (``train`` or ``val``; the test splits are held out)."""
    folder = root / "sentiment" / UMSAB_LANGUAGES[language]
    texts = (folder / f"{split}_text.txt").read_text(encoding="utf-8").splitlines()
    labels = np.loadtxt(folder / f"{split}_labels.txt", dtype=np.int64)
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {len(texts)} texts but {len(labels)} labels in {split}")
    return Corpus(f"{language} {split}", texts, labels)


def airline(root: Path = SHARED) -> Corpus:
    """Twitter US Airline Sentiment: every tweet, English, another domain (never trained on)."""
    with (root / "airline" / "Tweets.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    labels = np.array([_AIRLINE_LABELS[row["airline_sentiment"]] for row in rows])
    return Corpus("airline", [row["text"] for row in rows], labels)

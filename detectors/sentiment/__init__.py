"""Sentiment scorers: texts in, class probabilities out.

Every scorer answers :meth:`SentimentScorer.predict_proba` for a batch of texts and
their languages, with one row per text and one column per :data:`LABELS` entry, in
that order (UMSAB's 0 = negative, 1 = neutral, 2 = positive). Scorers never download
anything at run time: what they need ships in the package or in an installed wheel.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

import numpy as np


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


#: The column order of every scorer's probabilities.
LABELS: tuple[Sentiment, ...] = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


class SentimentScorer(Protocol):
    """Scores batches of texts; ``languages`` holds each text's ISO 639-1 code."""

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray: ...

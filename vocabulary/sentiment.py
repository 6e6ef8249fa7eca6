"""The sentiment labels every scorer, record and metric uses, in the scorers' column order."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


#: The column order of every scorer's probabilities.
LABELS: tuple[Sentiment, ...] = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


def label_of(probs: Sequence[float]) -> Sentiment:
    """The most probable label of one row of probabilities in :data:`LABELS` order (the first of a tie).

    >>> import numpy as np
    >>> label_of((0.7, 0.2, 0.1)), label_of(np.array([0.1, 0.3, 0.6])), label_of((0.4, 0.4, 0.2))
    (<Sentiment.NEGATIVE: 'negative'>, <Sentiment.POSITIVE: 'positive'>, <Sentiment.NEGATIVE: 'negative'>)
    """
    return LABELS[max(range(len(LABELS)), key=probs.__getitem__)]

"""A fast scorer for every text, a strong one for the texts it is least sure about."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from badbuzz.detectors.enrichment.sentiment import SentimentScorer


class CascadeScorer:
    """Re-scores the least confident ``fraction`` of each batch with the strong scorer.

    Confidence is the margin between the fast scorer's two most probable labels: texts
    it hesitates on are where the strong model changes most answers. The CPU cost per
    text is about ``1 / fast_rate + fraction / strong_rate`` (bench/sentiment.py prints
    both rates), so ``fraction`` sets the budget.

    Parameters
    ----------
    fast
        Scores every text.
    strong
        Scores the ``ceil(fraction * batch size)`` least confident texts of each batch.
    fraction
        Between 0 and 1.

    Examples
    --------
    >>> from badbuzz.detectors.enrichment.sentiment.static import StaticScorer
    >>> class Sure:
    ...     def predict_proba(self, texts, languages):
    ...         return np.tile([0.0, 0.0, 1.0], (len(texts), 1))
    >>> scorer = CascadeScorer(StaticScorer(), Sure(), fraction=0.5)
    >>> proba = scorer.predict_proba(["Merci, super service !", "bof", "Panne encore, honteux", "ok"], ["fr"] * 4)
    >>> int((proba[:, 2] == 1.0).sum())
    2

    """

    def __init__(self, fast: SentimentScorer, strong: SentimentScorer, fraction: float) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
        self.fast = fast
        self.strong = strong
        self.fraction = fraction

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        proba = self.fast.predict_proba(texts, languages)
        count = math.ceil(self.fraction * len(texts))
        if count == 0:
            return proba
        top_two = np.sort(proba, axis=1)[:, -2:]
        unsure = np.sort(np.argsort(top_two[:, 1] - top_two[:, 0], kind="stable")[:count])
        proba[unsure] = self.strong.predict_proba([texts[i] for i in unsure], [languages[i] for i in unsure])
        return proba

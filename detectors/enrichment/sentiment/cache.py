"""A memory of recent texts' probabilities: reposts and copy-paste campaigns are scored once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from badbuzz.detectors.enrichment.sentiment import SentimentScorer
from badbuzz.detectors.enrichment.sentiment.tokens import normalize


class CachedScorer:
    """Wraps a scorer with a least-recently-used cache keyed by normalised text and language.

    A bad buzz is made of reposts of a few texts: each distinct text is scored once,
    and repeats within a batch too. The key masks handles and links and collapses
    whitespace, which no scorer reads.

    Parameters
    ----------
    scorer
        The scorer whose answers are remembered.
    size
        How many distinct texts to remember.

    Examples
    --------
    >>> from badbuzz.detectors.enrichment.sentiment.static import StaticScorer
    >>> scorer = CachedScorer(StaticScorer(), size=1000)
    >>> proba = scorer.predict_proba(["RT @a: panne encore", "RT @b:  panne encore"], ["fr", "fr"])
    >>> bool((proba[0] == proba[1]).all()), scorer.misses
    (True, 1)

    """

    def __init__(self, scorer: SentimentScorer, size: int = 50_000) -> None:
        self.scorer = scorer
        self.size = size
        self.hits = 0
        self.misses = 0
        self._memory: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        if len(texts) != len(languages):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        keys = [(" ".join(normalize(text).split()), language) for text, language in zip(texts, languages)]
        out = np.empty((len(keys), 3), dtype=np.float32)
        missing: dict[tuple[str, str], list[int]] = {}
        with self._lock:
            for row, key in enumerate(keys):
                known = self._memory.get(key)
                if known is None:
                    missing.setdefault(key, []).append(row)
                else:
                    self._memory.move_to_end(key)
                    out[row] = known
            self.hits += len(keys) - len(missing)
            self.misses += len(missing)
        if missing:
            fresh = self.scorer.predict_proba([text for text, _ in missing], [language for _, language in missing])
            with self._lock:
                for (key, rows), proba in zip(missing.items(), fresh):
                    out[rows] = proba
                    self._memory[key] = proba
                while len(self._memory) > self.size:
                    self._memory.popitem(last=False)
        return out

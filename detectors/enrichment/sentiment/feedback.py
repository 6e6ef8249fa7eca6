"""Feedback: a brand's community managers relabel mentions, and the scorer learns their domain.

For an airline, "sick" in "that new lounge is sick" is praise; for a pharmacy chain,
"cancelled" is neutral news. A general model gets such words wrong for every mention
of the brand, every day. A community manager who relabels a mention sends a
:class:`Relabel` on a topic; :class:`BrandCorrections` learns from each one, online,
with one small model per brand on top of any base :class:`SentimentScorer`.

The per-brand model is a correction, not a replacement: its logits are the base
model's log-probabilities plus a linear function of the text's words and word pairs,

    p(label | text) = softmax(log p_base(label | text) + w_label · x(text))

with ``x`` the L2-normalised counts of words and word pairs, hashed into
``n_features`` buckets (river's ``BagOfWords`` and ``FeatureHasher``), and ``w``
learnt by AdaGrad (river's optimiser) on the cross-entropy of each relabel, with an L2
penalty. Weights start at zero, so a text none of whose words were ever relabelled
keeps its base probabilities; until ``min_relabels`` relabels of a brand have been
learnt, every text does. Memory per brand is bounded by ``3 × n_features`` weights.

Every worker can rebuild the same models by replaying the relabel topic from the
start: learning is deterministic, and the topic is small (one message per human action).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from river import feature_extraction, optim, preprocessing

from badbuzz.detectors.enrichment.sentiment import SentimentScorer
from badbuzz.vocabulary.sentiment import LABELS, Sentiment

#: Keeps log(0) finite when a base model is certain.
_MIN_PROBABILITY = 1e-6


class Relabel(BaseModel):
    """A person's correction of a mention's sentiment: the message on the relabel topic."""

    model_config = ConfigDict(frozen=True)

    mention_id: str = Field(min_length=1, max_length=256)
    brand: str = Field(min_length=1, max_length=128)
    text: str
    language: str = Field(description="The language the mention was scored in (ISO 639-1, or 'und').")
    label: Sentiment
    user: str = Field(description="Who relabelled it.")
    at: AwareDatetime


class BrandCorrection:
    """One brand's online correction of a base scorer's log-probabilities.

    Parameters
    ----------
    learning_rate
        AdaGrad's base step.
    l2
        The L2 penalty on the weights: how strongly corrections stay small.
    n_features
        The number of hashed word buckets (bounds memory).

    Examples
    --------
    >>> import numpy as np
    >>> correction = BrandCorrection()
    >>> unsure = np.array([0.5, 0.3, 0.2])
    >>> for _ in range(5):
    ...     correction.learn_one("that lounge is sick", unsure, "positive")
    >>> corrected = correction.correct(["the lounge is sick", "lost luggage again"], np.array([unsure, unsure]))
    >>> corrected.round(2).tolist()
    [[0.23, 0.14, 0.62], [0.5, 0.3, 0.2]]
    """

    def __init__(self, learning_rate: float = 0.2, l2: float = 1e-4, n_features: int = 2**18) -> None:
        self.learning_rate = learning_rate
        self.l2 = l2
        self.n_features = n_features
        self.n_learnt = 0
        self._words = feature_extraction.BagOfWords(ngram_range=(1, 2))
        self._hasher = preprocessing.FeatureHasher(n_features=n_features, seed=0, alternate_sign=False)
        self._weights: dict[Sentiment, dict[int, float]] = {label: defaultdict(float) for label in LABELS}
        self._optimizers = {label: optim.AdaGrad(lr=learning_rate) for label in LABELS}

    def features(self, text: str) -> dict[int, float]:
        counts = self._hasher.transform_one(self._words.transform_one(text))
        norm = sum(value * value for value in counts.values()) ** 0.5
        return {index: value / norm for index, value in counts.items()} if norm else {}

    def _logits(self, x: dict[int, float], base_proba: np.ndarray) -> np.ndarray:
        shift = np.array([sum(self._weights[label].get(i, 0.0) * v for i, v in x.items()) for label in LABELS])
        return np.log(np.maximum(base_proba, _MIN_PROBABILITY)) + shift

    def learn_one(self, text: str, base_proba: np.ndarray, label: Sentiment | str) -> None:
        """Learns that ``text``, scored ``base_proba`` by the base model, is ``label``."""
        x = self.features(text)
        proba = _softmax(self._logits(x, base_proba))
        for k, candidate in enumerate(LABELS):
            error = proba[k] - (candidate == label)
            weights = self._weights[candidate]
            gradient = {i: v * error + self.l2 * weights.get(i, 0.0) for i, v in x.items()}
            self._optimizers[candidate].step(w=weights, g=gradient)
        self.n_learnt += 1

    def correct(self, texts: Sequence[str], base_proba: np.ndarray) -> np.ndarray:
        """The corrected probabilities of ``texts``, one row per text in :data:`LABELS` order."""
        return np.array([_softmax(self._logits(self.features(t), p)) for t, p in zip(texts, base_proba, strict=True)])


class BrandCorrections:
    """Every brand's :class:`BrandCorrection`: learnt from relabels, applied once the brand has enough.

    The worker learns each batch of the relabel topic here and corrects each brand's mentions
    with :meth:`of`; ``bench/feedback.py`` measures the same on airline tweets.

    Parameters
    ----------
    table
        brand → its correction: the worker's changelogged table, or a dict. Read here, never
        written: :meth:`learn` returns the corrections it changed for the caller to store (the
        worker writes its table on its event loop, after learning on the ingest thread).
    min_relabels
        A brand's mentions keep the base probabilities until this many of its relabels were learnt.
    learning_rate, l2, n_features
        Those of each new brand's :class:`BrandCorrection`.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> class Unsure:
    ...     def predict_proba(self, texts, languages):
    ...         return np.array([[0.5, 0.3, 0.2]] * len(texts))
    >>> table = {}
    >>> corrections = BrandCorrections(table, min_relabels=3)
    >>> praise = Relabel(mention_id="1", brand="nuvola", text="that lounge is sick", language="en",
    ...                  label="positive", user="cm", at=datetime(2026, 11, 21, tzinfo=timezone.utc))
    >>> table.update(corrections.learn([praise, praise], Unsure()))
    >>> corrections.relabels_learnt("nuvola"), corrections.of("nuvola")
    (2, None)
    >>> table.update(corrections.learn([praise], Unsure()))
    >>> from badbuzz.vocabulary.sentiment import label_of
    >>> corrected = corrections.of("nuvola").correct(["the lounge is sick"], Unsure().predict_proba([""], [""]))
    >>> [label_of(probs) for probs in corrected]
    [<Sentiment.POSITIVE: 'positive'>]
    """

    def __init__(
        self,
        table,
        min_relabels: int = 20,
        learning_rate: float = 0.2,
        l2: float = 1e-4,
        n_features: int = 2**18,
    ) -> None:
        self.table = table
        self.min_relabels = min_relabels
        self.learning_rate = learning_rate
        self.l2 = l2
        self.n_features = n_features

    def relabels_learnt(self, brand: str) -> int:
        correction = self.table.get(brand)
        return correction.n_learnt if correction is not None else 0

    def of(self, brand: str) -> BrandCorrection | None:
        """The brand's correction, once it has learnt ``min_relabels`` relabels; ``None`` before."""
        correction = self.table.get(brand)
        return correction if correction is not None and correction.n_learnt >= self.min_relabels else None

    def learn(self, relabels: Sequence[Relabel], base: SentimentScorer) -> dict[str, BrandCorrection]:
        """Learn ``relabels`` in order, on ``base``'s probabilities of their texts (one call for all of them).

        Returns brand → its correction, for every brand relabelled: what the caller stores.
        """
        if not relabels:
            return {}
        base_proba = base.predict_proba([r.text for r in relabels], [r.language for r in relabels])
        learnt: dict[str, BrandCorrection] = {}
        for relabel, proba in zip(relabels, base_proba, strict=True):
            correction = learnt.get(relabel.brand) or self.table.get(relabel.brand)
            if correction is None:
                correction = BrandCorrection(self.learning_rate, self.l2, self.n_features)
            learnt[relabel.brand] = correction
            correction.learn_one(relabel.text, proba, relabel.label)
        return learnt


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()

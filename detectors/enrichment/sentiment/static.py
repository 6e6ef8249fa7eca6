"""The fast default scorer: hashed n-gram TF-IDF and static e5 word vectors under one linear head."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer

from badbuzz.detectors.enrichment.sentiment.tokens import normalize, tokenize

#: Buckets of each hashed n-gram space (words, characters).
N_BUCKETS = 2**18


class NgramCounts:
    """Word 1–2-grams and character 2–5-grams of a text, hashed into ``2 * N_BUCKETS`` counts.

    Hashing (murmurhash, the same on every machine) needs no vocabulary on disk, and
    catches the spelling variants and hashtags of tweets through character n-grams.
    Stateless, hence safe to share between threads.
    """

    def __init__(self) -> None:
        common = {"n_features": N_BUCKETS, "alternate_sign": False, "norm": None}
        self._words = HashingVectorizer(
            tokenizer=tokenize, token_pattern=None, lowercase=False, ngram_range=(1, 2), **common
        )
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, **common)

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        return hstack([self._words.transform(texts), self._chars.transform(texts)], format="csr")


def tfidf(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """Sublinear TF times IDF, rows scaled to unit length (scikit-learn's ``TfidfTransformer``)."""
    x = counts.astype(np.float32, copy=True)
    np.log(x.data, out=x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    return csr_matrix(x.multiply(1.0 / norms[:, None]))


class WordVectors:
    """A static table of per-token logits: the linear head folded into e5 word vectors.

    The head scores a weighted mean of a text's word vectors, where frequent words
    weigh less (smooth inverse frequency, as in Arora et al. 2017 and Model2Vec). A
    linear map of a weighted mean is the weighted mean of the mapped vectors, so each
    word keeps only its three logits and its weight. A text without any known word
    contributes zero.
    """

    def __init__(self, words: Sequence[str], logits: np.ndarray, weights: np.ndarray) -> None:
        self._index = {word: i for i, word in enumerate(words)}
        self._logits = np.asarray(logits, dtype=np.float32)
        self._weights = np.asarray(weights, dtype=np.float32)

    def mean_logits(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        index = self._index
        rows = [[index[t] for t in tokens if t in index] for tokens in token_lists]
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(lengths.sum()))
        owner = np.repeat(np.arange(len(rows)), lengths)
        weights = self._weights[flat]
        sums = np.zeros((len(rows), self._logits.shape[1]), dtype=np.float32)
        np.add.at(sums, owner, self._logits[flat] * weights[:, None])
        totals = np.bincount(owner, weights=weights, minlength=len(rows)).astype(np.float32)
        return sums / np.where(totals > 0, totals, 1.0)[:, None]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    return z / z.sum(axis=1, keepdims=True)


class EnglishLexicon:
    """VADER's negative, neutral, positive and compound scores: a lexicon tuned on English tweets."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            polarity = self._analyzer.polarity_scores(text)
            out[row] = polarity["neg"], polarity["neu"], polarity["pos"], polarity["compound"]
        return out


class StaticScorer:
    """Scores sentiment at thousands of texts per second per core, no model download.

    A logistic-regression head, trained on the UMSAB train splits of six languages
    (``bench/train_sentiment.py``), reads a text's hashed n-gram TF-IDF, the
    frequency-weighted mean of static multilingual-e5-small vectors of its words
    (each word run once through e5, Model2Vec-style) and, for English, VADER's
    lexicon scores. The word vectors feed a part of the head shared by all languages
    and a part of the text's own language ("frustratingly easy" domain adaptation,
    Daumé 2007), plus a bias per language; a language the head was not trained on
    (or ``"und"``) gets the shared parts only.

    Parameters
    ----------
    weights
        An ``.npz`` file written by ``bench/train_sentiment.py``; the one shipped in
        the package when ``None``.

    Examples
    --------
    >>> scorer = StaticScorer()
    >>> proba = scorer.predict_proba(["Merci, super service !", "Panne encore, honteux"], ["fr", "fr"])
    >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
    ((2, 3), True)
    >>> [int(i) for i in proba.argmax(axis=1)]
    [2, 0]

    """

    def __init__(self, weights: str | None = None) -> None:
        self.weights = weights
        source = (
            Path(weights)
            if weights
            else resources.files("badbuzz.detectors.enrichment.sentiment") / "weights" / "static.npz"
        )
        with source.open("rb") as file, np.load(file) as archive:
            self._idf = archive["idf"].astype(np.float32)
            self._coef = archive["coef"].astype(np.float32)
            self._intercept = archive["intercept"].astype(np.float32)
            self._languages = {str(code): i for i, code in enumerate(archive["languages"])}
            self._language_bias = archive["language_bias"].astype(np.float32)
            self._lexicon_coef = archive["lexicon_coef"].astype(np.float32)
            words = archive["words"].tobytes().decode("utf-8").split("\n")
            # Columns: 3 shared logits, then 3 per trained language.
            self._vectors = WordVectors(words, archive["word_logits"], archive["word_weights"])
        self._ngrams = NgramCounts()
        self._lexicon = EnglishLexicon()

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        if len(texts) != len(languages):
            raise ValueError(f"{len(texts)} texts but {len(languages)} languages")
        if not texts:
            return np.zeros((0, 3), dtype=np.float32)
        normalized = [normalize(text) for text in texts]
        x = tfidf(self._ngrams.transform(normalized), self._idf)
        logits = np.asarray(x @ self._coef.T, dtype=np.float32) + self._intercept
        words = self._vectors.mean_logits([tokenize(text) for text in normalized])
        logits += words[:, :3]
        trained = np.array([self._languages.get(code, -1) for code in languages])
        for language in np.unique(trained[trained >= 0]):
            rows = trained == language
            logits[rows] += words[rows, 3 * (language + 1) : 3 * (language + 2)] + self._language_bias[language]
        english = np.flatnonzero(np.asarray(languages) == "en")
        if english.size:
            logits[english] += self._lexicon.scores([normalized[i] for i in english]) @ self._lexicon_coef.T
        return softmax(logits)

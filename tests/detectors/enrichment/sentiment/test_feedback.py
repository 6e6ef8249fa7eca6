from __future__ import annotations

import pickle
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from badbuzz.detectors.enrichment.sentiment.feedback import AdaptiveScorer, Relabel
from badbuzz.vocabulary.sentiment import LABELS, Sentiment

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


def predicted(scorer, texts, brand="oceane-air") -> list[Sentiment]:
    return [LABELS[i] for i in scorer.predict_proba(texts, ["en"] * len(texts), [brand] * len(texts)).argmax(axis=1)]


def test_relabels_teach_a_brand_word_without_changing_other_texts():
    base = LexiconScorer()
    scorer = AdaptiveScorer(base, min_relabels=20)
    assert predicted(scorer, SICK) == [Sentiment.NEGATIVE] * 3
    scorer.learn(domain_relabels(60))
    assert predicted(scorer, SICK) == [Sentiment.POSITIVE] * 3
    assert predicted(scorer, OTHERS) == predicted(AdaptiveScorer(base), OTHERS)
    languages, brands = ["en"] * len(OTHERS), ["oceane-air"] * len(OTHERS)
    shift = np.abs(scorer.predict_proba(OTHERS, languages, brands) - base.predict_proba(OTHERS, languages))
    # Words shared with the relabelled texts ("was", "the") move them a little, never across labels.
    assert shift.max() < 0.2


def test_base_probabilities_pass_through_until_enough_relabels_and_for_other_brands():
    base = LexiconScorer()
    scorer = AdaptiveScorer(base, min_relabels=20)
    scorer.learn(domain_relabels(19))
    texts = SICK + OTHERS
    untouched = base.predict_proba(texts, ["en"] * len(texts))
    assert np.array_equal(scorer.predict_proba(texts, ["en"] * len(texts), ["oceane-air"] * len(texts)), untouched)
    scorer.learn(domain_relabels(40, seed=4))
    assert np.array_equal(scorer.predict_proba(texts, ["en"] * len(texts), ["nuvola"] * len(texts)), untouched)
    assert np.array_equal(scorer.predict_proba(texts, ["en"] * len(texts)), untouched)


def test_an_adaptive_scorer_pickles_with_what_it_learnt():
    scorer = AdaptiveScorer(LexiconScorer(), min_relabels=5)
    scorer.learn(domain_relabels(30))
    copy = pickle.loads(pickle.dumps(scorer))
    texts = SICK + OTHERS
    args = (texts, ["en"] * len(texts), ["oceane-air"] * len(texts))
    assert np.array_equal(copy.predict_proba(*args), scorer.predict_proba(*args))
    assert copy.relabels_learnt("oceane-air") == 30


def test_learning_is_deterministic_so_every_worker_can_replay_the_topic():
    first, second = AdaptiveScorer(LexiconScorer()), AdaptiveScorer(LexiconScorer())
    for relabel_ in domain_relabels(40):
        first.learn_one(relabel_)
    second.learn(domain_relabels(40))
    args = (SICK, ["en"] * 3, ["oceane-air"] * 3)
    assert np.allclose(first.predict_proba(*args), second.predict_proba(*args))


def test_a_relabel_is_json_on_the_topic():
    original = relabel(1, "the lounge is sick", Sentiment.POSITIVE)
    assert Relabel.model_validate_json(original.model_dump_json()) == original

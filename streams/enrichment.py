"""The stateless half of enrichment: each valid mention's language, sentiment and reach.

It needs nothing but the mention, so it runs in the accept agent on any partition,
before mentions are re-keyed by brand. What needs a brand's memory (reposts, copies,
bots, the brand's own sentiment corrections) happens in the count agent.
"""

from __future__ import annotations

from collections.abc import Sequence

from badbuzz.detectors.enrichment.language import LanguageDetector
from badbuzz.detectors.enrichment.reach import ReachModel
from badbuzz.detectors.enrichment.sentiment import SentimentScorer, make_scorer
from badbuzz.streams.config import Settings
from badbuzz.vocabulary.records import EnrichedMention, Mention


class Enricher:
    """Enriches batches of mentions; CPU-bound, so the accept agent runs it in an executor thread."""

    def __init__(self, languages: LanguageDetector, scorer: SentimentScorer, reach: ReachModel) -> None:
        self.languages = languages
        self.scorer = scorer
        self.reach = reach

    @classmethod
    def from_settings(cls, settings: Settings) -> Enricher:
        return cls(
            LanguageDetector(settings.languages),
            make_scorer(settings.sentiment_scorer, cascade_fraction=settings.sentiment_cascade_fraction),
            settings.reach,
        )

    def enrich(self, mentions: Sequence[Mention]) -> list[EnrichedMention]:
        texts = [mention.text for mention in mentions]
        languages = self.languages.detect(texts, [mention.language for mention in mentions])
        probabilities = self.scorer.predict_proba(texts, languages)
        # The mentions were validated a moment ago: validating them again would only cost time
        # (and ``dict(model)`` looks for a ``keys`` attribute first, which costs a failed lookup).
        return [
            EnrichedMention.model_construct(
                **mention.__dict__,
                detected_language=language,
                sentiment_probs=(float(p[0]), float(p[1]), float(p[2])),
                reach=self.reach.weight(mention),
            )
            for mention, language, p in zip(mentions, languages, probabilities)
        ]

"""Emerging terms: the words and hashtags that drive a rise, against how often a brand usually hears them.

Each closed window carries how many mentions used each term (document frequency);
:class:`TermBaseline` keeps, per brand, an exponentially weighted usual count of
the terms seen lately and ranks a window's terms by how far they stand above it.
A term needs to be both frequent and unusual: the brand's own name is in every
window and never emerges; a hashtag born with the crisis does at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache

from stop_words import get_stop_words

from badbuzz.vocabulary.context import Term

#: Words, hashtags and cashtags; links and @handles are not terms.
_TOKEN = re.compile(r"https?://\S+|@\w+|([#$]?\w[\w'’-]*\w|[#$]?\w)", re.UNICODE)
_STOP_LANGUAGES = ("english", "french", "german", "spanish", "italian", "portuguese")
#: Terms shorter than this say nothing ("ok", "rt", "de" in a language not listed).
MIN_TERM_CHARS = 3


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    words: set[str] = {"rt", "via", "amp", "http", "https"}
    for language in _STOP_LANGUAGES:
        words.update(get_stop_words(language))
    return frozenset(words)


def terms_of(text: str) -> set[str]:
    """The distinct terms of a text, lower-cased, stop words and links left out.

    >>> sorted(terms_of("Panne générale chez @Nuvola depuis ce matin, #NuvolaPanne https://t.co/x"))
    ['#nuvolapanne', 'générale', 'matin', 'panne']
    """
    stop = _stop_words()
    terms = set()
    for match in _TOKEN.finditer(text.lower()):
        term = match.group(1)
        if term and len(term.lstrip("#$")) >= MIN_TERM_CHARS and term not in stop and not term.isdigit():
            terms.add(term)
    return terms


class TermBaseline:
    """How often each term usually comes up per window, for one brand.

    Parameters
    ----------
    half_life
        Windows after which a term's past weighs half as much.
    max_terms
        Terms kept; the least frequent are forgotten first, so memory is bounded.
    min_count
        Fewest mentions using a term for it to count as emerging.

    Examples
    --------
    >>> baseline = TermBaseline(half_life=60)
    >>> for _ in range(120):
    ...     baseline.learn({"nuvola": 20, "cloud": 5, "merci": 3})
    >>> window = {"nuvola": 60, "#nuvolapanne": 45, "cloud": 6}
    >>> [(term.term, term.count, round(term.usual, 1)) for term in baseline.emerging(window)]
    [('#nuvolapanne', 45, 0.0), ('nuvola', 60, 20.0)]
    """

    def __init__(self, half_life: float = 180, max_terms: int = 500, min_count: int = 3) -> None:
        self.half_life = half_life
        self.max_terms = max_terms
        self.min_count = min_count
        self._usual: dict[str, float] = {}
        # The weight the average has gathered so far: dividing by it spares the first
        # windows the pull towards zero of an average that starts empty.
        self._weight = 0.0

    @property
    def _decay(self) -> float:
        return 0.5 ** (1 / self.half_life)

    def usual(self, term: str) -> float:
        return self._usual.get(term, 0.0) / self._weight if self._weight else 0.0

    def learn(self, counts: Mapping[str, int]) -> None:
        decay = self._decay
        usual = {term: value * decay for term, value in self._usual.items()}
        for term, count in counts.items():
            usual[term] = usual.get(term, 0.0) + (1 - decay) * count
        self._weight = self._weight * decay + (1 - decay)
        if len(usual) > self.max_terms:
            usual = dict(sorted(usual.items(), key=lambda item: item[1], reverse=True)[: self.max_terms])
        self._usual = usual

    def emerging(self, counts: Mapping[str, int], limit: int = 8) -> list[Term]:
        """The window's terms that stand out, most surprising first.

        The score is a Poisson deviance-like surprise, so 45 mentions of a new hashtag
        outrank a term going from 20 to 60 only when the new one is more surprising.
        """
        scored = []
        for term, count in counts.items():
            usual = self.usual(term)
            if count < self.min_count or count <= 2 * usual:
                continue
            expected = max(usual, 0.5)
            surprise = count * math.log(count / expected) - (count - expected)
            scored.append((surprise, term, count, usual))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [Term(term=term, count=count, usual=usual) for _, term, count, usual in scored[:limit]]

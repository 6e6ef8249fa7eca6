"""Offline language identification of mentions, restricted to the configured languages."""

from __future__ import annotations

import re
from collections.abc import Sequence

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from badbuzz.vocabulary.errors import ConfigurationError

#: What :meth:`LanguageDetector.detect` answers when no configured language fits.
UNDETERMINED = "und"

# Handles and links say nothing about the language and skew short texts.
_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+|\bhttp\b")
_LETTER = re.compile(r"[^\W\d_]")


class LanguageDetector:
    """Tells each mention's language among ``languages`` (ISO 639-1 codes).

    A naive-Bayes model over byte n-grams (py3langid, shipped in its wheel) chooses
    among the configured languages only: a tweet is short, and a choice among six
    languages is far more accurate than among a hundred. A language given by the
    collector wins when it is one of the configured ones.

    Parameters
    ----------
    languages
        The languages mentions may be in, e.g. ``("fr", "en")``.

    Examples
    --------
    >>> detector = LanguageDetector(["fr", "en", "de"])
    >>> detector.detect(["Je résilie mon abonnement, honteux", "worst airline ever", "😡😡", "ok"],
    ...                 given=[None, None, None, "en-GB"])
    ['fr', 'en', 'und', 'en']

    """

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = tuple(languages)
        if not self.languages:
            raise ConfigurationError("at least one language must be configured")
        self._identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
        try:
            self._identifier.set_languages(self.languages)
        except ValueError as error:
            raise ConfigurationError(f"language detection does not know {error}") from error
        self._configured = frozenset(self.languages)

    def detect(self, texts: Sequence[str], given: Sequence[str | None] | None = None) -> list[str]:
        """One ISO 639-1 code per text, or :data:`UNDETERMINED` for a text without words."""
        if given is None:
            given = [None] * len(texts)
        if len(given) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(given)} given languages")
        return [self.detect_one(text, language) for text, language in zip(texts, given)]

    def detect_one(self, text: str, given: str | None = None) -> str:
        if given is not None:
            # BCP 47 "fr-CA" is French for our purposes.
            primary = given.split("-", 1)[0].lower()
            if primary in self._configured:
                return primary
        text = _NOISE.sub(" ", text)
        if not _LETTER.search(text):
            return UNDETERMINED
        language, _ = self._identifier.classify(text)
        return language

from __future__ import annotations

from pathlib import Path

import pytest

from badbuzz.detectors.enrichment.language import UNDETERMINED, LanguageDetector
from badbuzz.vocabulary.errors import BadbuzzError, ConfigurationError

UMSAB = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "sentiment"
ALL = ["fr", "en", "de", "es", "it", "pt"]
SENTENCES = {
    "fr": "Encore une panne, je résilie mon abonnement dès ce soir",
    "en": "Flight delayed again and nobody at the desk can tell us why",
    "de": "Der Zug ist schon wieder ausgefallen, das ist eine Frechheit",
    "es": "El vuelo se ha retrasado otra vez y nadie nos dice por qué",
    "it": "Il treno è di nuovo in ritardo, nessuno ci dice niente",
    "pt": "O voo atrasou outra vez e ninguém nos explica o que aconteceu",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(ALL)


def test_each_configured_language_is_recognised(detector):
    assert detector.detect(list(SENTENCES.values())) == list(SENTENCES)


def test_only_configured_languages_come_out():
    detector = LanguageDetector(["fr", "en"])
    assert set(detector.detect(list(SENTENCES.values()))) <= {"fr", "en"}
    assert detector.detect([SENTENCES["fr"], SENTENCES["en"]]) == ["fr", "en"]


def test_a_collector_language_wins_when_configured(detector):
    texts = [SENTENCES["en"], SENTENCES["en"], SENTENCES["fr"]]
    # fr-CA is French; Dutch is not configured, so the text decides.
    assert detector.detect(texts, given=["fr-CA", "nl", None]) == ["fr", "en", "fr"]


def test_texts_without_words_are_undetermined(detector):
    assert detector.detect(["", "😡😡😡", "@user http", "!!! 123"]) == [UNDETERMINED] * 4


def test_lengths_must_match(detector):
    with pytest.raises(ValueError):
        detector.detect(["a", "b"], given=[None])


def test_unknown_languages_are_a_configuration_error():
    with pytest.raises(ConfigurationError, match="xx"):
        LanguageDetector(["fr", "xx"])
    with pytest.raises(BadbuzzError):
        LanguageDetector([])


def test_accuracy_on_umsab_val(detector):
    if not UMSAB.is_dir():
        pytest.skip(f"UMSAB tweets not found at {UMSAB}")
    folders = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian", "pt": "portuguese"}
    texts, truth = [], []
    for code, folder in folders.items():
        lines = (UMSAB / folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
        texts += lines
        truth += [code] * len(lines)
    found = detector.detect(texts)
    accuracy = sum(f == t for f, t in zip(found, truth)) / len(truth)
    assert accuracy > 0.95

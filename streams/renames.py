"""Where the classes pickled by earlier releases live now, so an upgraded worker restores its state.

The brand watches and sentiment corrections are pickled into their changelogs (river's
detectors pickle by design), and a pickle names each class by its module. Release 0.1
had top-level ``detectors``, ``streams`` and ``alerts`` packages; a worker of today reads
their checkpoints through this table instead of relearning a day of each brand's rhythm.
"""

from __future__ import annotations

#: Modules moved beyond gaining the ``badbuzz.`` prefix.
MODULES: dict[str, str] = {
    "detectors": "badbuzz.detectors.anomaly",
    "detectors.amplification": "badbuzz.detectors.authenticity.amplification",
    "detectors.baseline": "badbuzz.detectors.anomaly.baseline",
    "detectors.bots": "badbuzz.detectors.authenticity.bots",
    "detectors.brand": "badbuzz.detectors.anomaly.brand",
    "detectors.count_evidence": "badbuzz.detectors.anomaly.count_evidence",
    "detectors.count_surprise": "badbuzz.detectors.anomaly.count_surprise",
    "detectors.language": "badbuzz.detectors.enrichment.language",
    "detectors.packing": "badbuzz.detectors.anomaly.packing",
    "detectors.partial": "badbuzz.detectors.anomaly.abilities",
    "detectors.peaks": "badbuzz.detectors.anomaly.peaks",
    "detectors.predictive": "badbuzz.detectors.anomaly.predictive",
    "detectors.reach": "badbuzz.detectors.enrichment.reach",
    "detectors.robust_zscore": "badbuzz.detectors.anomaly.robust_zscore",
    "detectors.seasonal": "badbuzz.detectors.anomaly.seasonal",
    "detectors.sentiment": "badbuzz.detectors.enrichment.sentiment",
    "detectors.sentiment.feedback": "badbuzz.detectors.enrichment.sentiment.feedback",
    "detectors.severity": "badbuzz.detectors.anomaly.severity",
    "detectors.share_surprise": "badbuzz.detectors.anomaly.share_surprise",
    "detectors.signals": "badbuzz.detectors.anomaly.signal_watches",
    "detectors.tails": "badbuzz.detectors.anomaly.tails",
    "detectors.terms": "badbuzz.detectors.enrichment.terms",
    "detectors.watch": "badbuzz.detectors.anomaly.watch",
    "streams.errors": "badbuzz.vocabulary.errors",
    "streams.records": "badbuzz.vocabulary.records",
}
#: Classes that left their module for the shared vocabulary (or another module).
CLASSES: dict[tuple[str, str], tuple[str, str]] = {
    ("alerts.context", "SeriesPoint"): ("badbuzz.vocabulary.context", "SeriesPoint"),
    ("alerts.context", "Term"): ("badbuzz.vocabulary.context", "Term"),
    ("detectors.count_evidence", "Evidence"): ("badbuzz.detectors.anomaly.abilities", "Evidence"),
    ("detectors.sentiment", "Sentiment"): ("badbuzz.vocabulary.sentiment", "Sentiment"),
    ("detectors.severity", "Severity"): ("badbuzz.vocabulary.signals", "Severity"),
    ("detectors.signals", "Signal"): ("badbuzz.vocabulary.signals", "Signal"),
    ("detectors.signals", "SignalKind"): ("badbuzz.vocabulary.signals", "SignalKind"),
    ("detectors.watch", "Judgement"): ("badbuzz.vocabulary.signals", "Judgement"),
}
#: The top-level packages of release 0.1.
FORMER_PACKAGES = ("detectors", "streams", "alerts")


def current_home(module: str, name: str) -> tuple[str, str]:
    """Where ``module.name``, as an earlier release pickled it, is defined today.

    >>> current_home("detectors.signals", "Signal")
    ('badbuzz.vocabulary.signals', 'Signal')
    >>> current_home("detectors.watch", "SeriesWatch")
    ('badbuzz.detectors.anomaly.watch', 'SeriesWatch')
    >>> current_home("streams.windows", "BrandWindows")
    ('badbuzz.streams.windows', 'BrandWindows')
    >>> current_home("river.anomaly", "HalfSpaceTrees")
    ('river.anomaly', 'HalfSpaceTrees')
    """
    if (module, name) in CLASSES:
        return CLASSES[module, name]
    if module in MODULES:
        return MODULES[module], name
    if module.split(".")[0] in FORMER_PACKAGES:
        return f"badbuzz.{module}", name
    return module, name

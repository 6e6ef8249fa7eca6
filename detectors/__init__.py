"""Everything that judges, by family.

- :mod:`~badbuzz.detectors.anomaly`: river anomaly detectors, baselines, severity and the watch of
  each brand's series;
- :mod:`~badbuzz.detectors.enrichment`: what a mention says (sentiment, language, reach, terms);
- :mod:`~badbuzz.detectors.authenticity`: whether it is new conversation by a person (reposts,
  copy-paste campaigns, bots).
"""

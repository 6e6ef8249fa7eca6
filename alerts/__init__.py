"""Alerting: incidents and what people do about them, who hears of them and when, and how.

- :mod:`~badbuzz.alerts.incidents`, :mod:`~badbuzz.alerts.context`, :mod:`~badbuzz.alerts.facts`:
  the incident, its lifecycle and the evidence every channel shows;
- :mod:`~badbuzz.alerts.policy`: routing, dispatch's stages, silences, quiet hours, caps;
- :mod:`~badbuzz.alerts.notify`: delivery and one module per channel.

It imports the vocabulary and nothing else of badbuzz's: the worker wires it in.
"""

"""The runtime: the Faust worker that wires the vocabulary, the detectors and the alerting together.

Settings, app, topics, tables and stages are built by :func:`badbuzz.streams.pipeline.build`;
:mod:`~badbuzz.streams.tooling` holds what runs around the worker (broker, simulator, demo, backtest).
"""

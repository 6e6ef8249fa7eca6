"""The words every part of badbuzz shares: records, errors, signals, context values.

Everything here is a value type or an exception; this package imports nothing of badbuzz's,
so the runtime (``streams``), the judges (``detectors``) and the alerting (``alerts``) can all
depend on it and on nothing of each other's they do not need.
"""

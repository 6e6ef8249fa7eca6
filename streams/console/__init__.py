"""The incident console: the worker's web pages for people, beside its API and metrics."""

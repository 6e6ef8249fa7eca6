"""Scoring detectors against labelled series: NAB's windows and scores, alert events."""

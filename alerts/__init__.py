"""Incidents, their lifecycle, and the notifiers that deliver them."""

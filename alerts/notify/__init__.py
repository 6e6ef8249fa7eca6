"""Delivering notifications: one module per channel, the retry policy they share."""

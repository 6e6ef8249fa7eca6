"""Slack: one message per incident, edited as it changes, with the changes and charts in its thread.

- :mod:`.blocks`: the message in Block Kit, within Slack's limits;
- :mod:`.client`: the channel's configuration, pacing and slack-sdk's client with our retry handlers;
- :mod:`.notifier`: what is posted, edited and threaded as an incident changes.
"""

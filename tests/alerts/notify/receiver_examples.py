"""Receivers as a settings file declares them, one of each channel."""

from __future__ import annotations

import yaml
from pydantic import TypeAdapter

from badbuzz.alerts.notify.receivers import Receiver

RECEIVERS = """
receivers:
  - name: crisis-room
    slack: {channel: "#brand-crisis"}
  - name: pr-team
    slack: {channel: "C0PRTEAM1", charts: false}
  - name: oncall
    pagerduty: {routing_key: R0UT1NGKEY0123456789ABCDEF012345}
    retry: {attempts: 5, backoff: 1.0, max_retry_after: 60}
  - name: opsgenie-eu
    opsgenie: {api_key: eb243592-faa2-4ba2-a551-1afdf565c889, region: eu, team: community}
  - name: itsm
    webhook:
      url: https://itsm.example/hooks/badbuzz
      secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  - name: pr-mail
    email:
      host: smtp.brand.example
      port: 587
      username: badbuzz
      password: hunter2
      sender: "badbuzz <alerts@brand.example>"
      to: [pr@brand.example, direction@brand.example]
"""

receivers_adapter = TypeAdapter(tuple[Receiver, ...])


def load(text: str = RECEIVERS) -> tuple[Receiver, ...]:
    return receivers_adapter.validate_python(yaml.safe_load(text)["receivers"])

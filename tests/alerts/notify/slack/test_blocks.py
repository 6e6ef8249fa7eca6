"""The incident message in Block Kit: its buttons, its limits, what it escapes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from badbuzz.alerts.incidents import Action, Change, parse_incident_ref
from badbuzz.alerts.notify.slack.blocks import escape, fallback_text, incident_blocks
from tests.alerts.factories import crisis, crisis_over, notification
from tests.alerts.notify.slack.payloads import buttons, texts

SNAPSHOT = Path(__file__).parent / "data" / "slack_blocks_realistic.json"


def test_buttons_carry_the_action_and_the_incident():
    event = notification().event
    rendered = [block.to_dict() for block in incident_blocks(event)]
    found = buttons(rendered)

    assert [button["action_id"] for button in found] == [action.value for action in Action]
    assert {parse_incident_ref(button["value"]) for button in found} == {
        ("nuvola/negative_volume", event.incident.opened_at)
    }
    assert [button["text"]["text"] for button in found] == [
        "Acknowledge",
        "Escalate to PR",
        "Not a crisis",
        "Real crisis",
    ]
    assert "confirm" in found[1], "pulling the PR team in asks for confirmation"
    assert "confirm" in found[2], "closing the incident as a false alarm asks for confirmation"


def test_buttons_that_no_longer_mean_anything_are_gone():
    escalated = notification(Change.ESCALATED_TO_PR, crisis(acknowledged_by="claire", escalated_by="marc")).event
    assert [b["action_id"] for b in buttons([b.to_dict() for b in incident_blocks(escalated)])] == [
        "false_positive",
        "real_crisis",
    ]
    judged = notification(Change.RESOLVED, crisis_over(verdict=Action.REAL_CRISIS)).event
    rendered = [block.to_dict() for block in incident_blocks(judged)]
    assert buttons(rendered) == []
    assert "Verdict: real crisis" in texts(rendered)


def test_a_realistic_incident_renders_within_slack_limits():
    event = notification(Change.OPENED, crisis(acknowledged_by="claire_b", escalated_by="U024BE7LH")).event
    payload = [block.to_dict() for block in incident_blocks(event)]  # to_dict() validates against Slack's limits

    assert len(payload) <= 50
    assert len(payload[0]["text"]["text"]) <= 150
    for block in payload:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(field["text"]) <= 2000 for field in block.get("fields", []))
    assert len(fallback_text(event)) <= 40_000
    text = texts(payload)
    assert "<!channel>" not in text and "<https://evil.example" not in text, "user text must not ping or link"
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|clique ici&gt;" in text
    assert "😡😡" in text and "🤷‍♀️" in text
    if os.environ.get("BADBUZZ_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps({"text": fallback_text(event), "blocks": payload}, ensure_ascii=False, indent=2))
    assert json.loads(SNAPSHOT.read_text()) == {"text": fallback_text(event), "blocks": payload}, (
        "the message changed: look at it, then BADBUZZ_UPDATE_SNAPSHOTS=1 pytest to accept it"
    )


def test_escape_neutralises_mrkdwn_control_characters():
    assert escape("<!here> & <https://evil|click>") == "&lt;!here&gt; &amp; &lt;https://evil|click&gt;"

"""Reading what Slack was sent: the text of a message's blocks, its buttons."""

from __future__ import annotations

import json


def texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict]) -> list[dict]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]

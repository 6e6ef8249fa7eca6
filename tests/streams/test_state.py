"""The one state mechanism: live objects over a table of bytes, written through or at checkpoints."""

from __future__ import annotations

from collections import Counter

from badbuzz.alerts.policy.frequency_cap import CapState
from badbuzz.streams.state import ModelCodec, PickleCodec, StateTable


def test_a_marked_object_is_written_at_the_checkpoint_and_comes_back_after_a_restart():
    table: dict = {}
    counts: StateTable[Counter] = StateTable(table, PickleCodec())
    counts.put("acme", Counter())
    counts.get("acme")["negative"] += 3
    counts.mark("acme")
    assert table == {}, "nothing written before the checkpoint"
    assert counts.checkpoint() == 1
    assert counts.checkpoint() == 0, "an unchanged object is not written again"
    restarted: StateTable[Counter] = StateTable(table, PickleCodec())
    assert restarted.get("acme") == Counter(negative=3)
    assert list(restarted.keys()) == ["acme"]


def test_assignment_writes_through_and_forget_drops_only_the_live_copies():
    table: dict = {}
    caps: StateTable[CapState] = StateTable(table, ModelCodec(CapState))
    caps["slack"] = CapState()
    assert table[b"slack"] == CapState().model_dump_json().encode()
    live = caps.get("slack")
    caps.forget()
    assert caps.get("slack") == live and caps.get("slack") is not live
    assert caps.get("pagerduty") is None

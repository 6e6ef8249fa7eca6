"""The one state mechanism: live objects over a table of bytes, written through or at checkpoints."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from badbuzz.alerts.policy.frequency_cap import CapState
from badbuzz.streams.state import ModelCodec, PickleCodec, StateTable
from badbuzz.vocabulary.records import WindowCount


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


def test_a_brand_watch_checkpointed_by_release_0_1_judges_on_as_it_would_have():
    """An upgrade restores each brand's watches instead of relearning a day of its rhythm.

    ``data/brand_watch_1bbf309.*`` were written by the worker's own code at commit 1bbf309, the
    last before the badbuzz namespace: a brand's watch pickled after two days of windows, then
    the next 90 windows (a flood from the 60th) with what that release judged of each.
    """
    data = Path(__file__).parent / "data"
    watch = PickleCodec().loads((data / "brand_watch_1bbf309.pickle").read_bytes())
    recorded = json.loads((data / "brand_watch_1bbf309.json").read_text())

    judged = []
    for window in recorded["windows"]:
        verdict = watch.observe(WindowCount.model_validate(window))
        judged.append(
            {
                signal: {"score": round(j.score, 9), "severity": j.severity, "opens": j.opens, "alerting": j.alerting}
                for signal, j in verdict.judgements.items()
            }
        )

    assert judged == recorded["verdicts"]
    assert sum(verdict["negative_volume"]["opens"] for verdict in judged) == 1, "the flood opens one incident"

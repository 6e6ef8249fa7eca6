"""Dispatcher cost per incident change, and the size of a brand's state as a table keeps it.

Feeds the example routing (examples/routing.yaml) a day of incidents of one
brand: every signal opens, grows for half an hour (one update a minute),
escalates, and resolves; the timer runs at every wake-up. The state goes through
JSON at every step, as the worker's table does. Prints the figures; asserts nothing.

    python bench/dispatch.py --incidents 200
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The incidents come from the tests' factory, so the bench and the tests build them alike.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from badbuzz.alerts.incidents import Change, IncidentEvent, Reading
from badbuzz.alerts.policy.dispatch import BrandDispatch, Dispatcher  # noqa: E402
from badbuzz.alerts.policy.routing import RoutingConfig  # noqa: E402
from badbuzz.alerts.policy.silences import Silences  # noqa: E402
from badbuzz.vocabulary.signals import (
    Severity,  # noqa: E402
    Signal,
)
from tests.alerts.factories import incident  # noqa: E402

EXAMPLE = Path(__file__).parents[1] / "examples" / "routing.yaml"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def changes(incidents: int) -> list[tuple[datetime, IncidentEvent]]:
    events = []
    signals = list(Signal)
    for number in range(incidents):
        opened = START + number * 10 * MINUTE
        signal = signals[number % len(signals)]
        for minute in range(32):
            at = opened + minute * MINUTE
            severity = Severity.CRITICAL if minute >= 20 else Severity.WARNING
            reading = Reading(value=100 + 10 * minute, score=9.0, window_start=at, window_end=at + MINUTE)
            change = {0: Change.OPENED, 20: Change.ESCALATED, 31: Change.RESOLVED}.get(minute, Change.UPDATED)
            resolved = change is Change.RESOLVED
            subject = incident(
                "acme",
                signal,
                severity,
                revision=minute + 1,
                opened_at=opened,
                value=reading.value,
                score=reading.score,
                resolved=resolved,
                resolved_at=at if resolved else None,
                current=reading,
            )
            events.append((at, IncidentEvent(change=change, incident=subject)))
    return sorted(events, key=lambda item: item[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=200)
    args = parser.parse_args()

    dispatcher = Dispatcher(RoutingConfig.from_yaml(EXAMPLE))
    silences = Silences()
    events = changes(args.incidents)
    raw = BrandDispatch().model_dump_json()
    sent = 0
    largest = 0
    began = time.perf_counter()
    for at, event in events:
        state = BrandDispatch.model_validate_json(raw)
        while (wakeup := state.next_wakeup()) is not None and wakeup <= at:
            state, out = dispatcher.due(state, wakeup, silences)
            sent += len(out)
        state, out = dispatcher.on_event(state, event, at, silences)
        sent += len(out)
        raw = state.model_dump_json()
        largest = max(largest, len(raw))
    elapsed = time.perf_counter() - began

    print(f"incident changes       {len(events):>10,}")
    print(f"notifications out      {sent:>10,}  ({sent / len(events):.2f} per change)")
    print(f"changes per second     {len(events) / elapsed:>10,.0f}  (state through JSON at every step)")
    print(f"largest state (bytes)  {largest:>10,}")
    print(f"final state (bytes)    {len(raw):>10,}")


if __name__ == "__main__":
    main()

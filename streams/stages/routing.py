"""Routing: incidents to receivers (group, then dedup, flap, inhibit, silence, quiet hours), then frequency caps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from badbuzz.alerts.incidents import IncidentEvent
from badbuzz.alerts.policy.dispatch import BrandDispatch, Dispatcher, Outbound
from badbuzz.alerts.policy.frequency_cap import CapState, FrequencyCapper
from badbuzz.streams.config import Settings
from badbuzz.streams.state import StateTable
from badbuzz.streams.tables import Tables
from badbuzz.streams.topics import INCIDENTS, OUTBOUND, Topics, publish

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def install(
    app,
    settings: Settings,
    topics: Topics,
    tables: Tables,
    receivers,
    *,
    tick_seconds: float,
) -> None:
    """``receivers``: the names of the enabled receivers; notifications for others are dropped, logged.

    The timers act on the keys of the partitions this worker owns only.
    """
    dispatch_states, cap_states, silences = tables.dispatch_states, tables.cap_states, tables.silences
    dispatcher = Dispatcher(settings.routes)
    capper = FrequencyCapper(settings.routes.frequency_caps)

    async def send_outbound(released: list[Outbound]) -> None:
        for outbound in released:
            await publish(topics.outbound, outbound.receiver, outbound)

    async def send_notifications(released: list[Outbound]) -> None:
        for outbound in released:
            if outbound.receiver not in receivers:
                log.error("No receiver named %s is enabled; %s dropped", outbound.receiver, outbound.event.change)
                continue
            await publish(topics.notifications_for(outbound.receiver), outbound.notification().key, outbound)

    async def flush(table: StateTable, partitions: set[int], flush_one: Callable, send: Callable) -> None:
        now = utc_now()
        for key in table.keys():
            if topics.partition_of(key) in partitions:
                await send(flush_one(key, now))

    @app.agent(topics.incidents, name="badbuzz.route")
    async def route(stream):
        """Route each incident change to its receivers through the dispatcher's stages, in order."""
        async for value in stream:
            event = IncidentEvent.model_validate_json(value)
            brand = event.incident.brand
            state = dispatch_states.get(brand) or BrandDispatch()
            state, released = dispatcher.on_event(state, event, utc_now(), silences.current())
            dispatch_states[brand] = state
            await send_outbound(released)

    def flush_dispatch(brand: str, now: datetime) -> list[Outbound]:
        state = dispatch_states.get(brand) or BrandDispatch()
        wakeup = state.next_wakeup()
        if wakeup is None or wakeup > now:
            return []
        state, released = dispatcher.due(state, now, silences.current())
        dispatch_states[brand] = state
        return released

    @app.timer(interval=tick_seconds, name="badbuzz.flush_groups")
    async def flush_groups() -> None:
        """Let out what waited: group waits and intervals over, quiet hours ended, reminders due."""
        if app.rebalancing or app.in_recovery:
            return
        await flush(dispatch_states, topics.owned(INCIDENTS), flush_dispatch, send_outbound)

    @app.agent(topics.outbound, name="badbuzz.throttle")
    async def throttle(stream):
        """Hold back what exceeds a receiver's frequency cap; pass the rest to the receiver's own topic."""
        async for value in stream:
            outbound = Outbound.model_validate_json(value)
            state = cap_states.get(outbound.receiver) or CapState()
            state, released = capper.offer(state, outbound, utc_now())
            cap_states[outbound.receiver] = state
            await send_notifications(released)

    def flush_cap(receiver: str, now: datetime) -> list[Outbound]:
        state = cap_states.get(receiver) or CapState()
        wakeup = state.next_wakeup(settings.routes.frequency_caps.get(receiver))
        if wakeup is None or wakeup > now:
            return []
        state, released = capper.due(state, receiver, now)
        cap_states[receiver] = state
        return released

    @app.timer(interval=tick_seconds, name="badbuzz.flush_caps")
    async def flush_caps() -> None:
        if app.rebalancing or app.in_recovery:
            return
        await flush(cap_states, topics.owned(OUTBOUND), flush_cap, send_notifications)

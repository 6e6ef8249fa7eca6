"""The incident chart: a small PNG, drawn off the event loop."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor

from badbuzz.alerts.chart import alt_text, chart_png, render_png
from tests.alerts.factories import crisis, crisis_context, history


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_the_chart_is_a_small_png():
    png = render_png(crisis())

    assert png_size(png) == (640, 240)
    assert len(png) < 100_000, "small enough to upload in a blink"


def test_a_chart_needs_two_points():
    assert render_png(crisis(context=crisis_context().model_copy(update={"history": history()[:1]}))) is None
    assert render_png(crisis(context=crisis_context().model_copy(update={"history": ()}))) is None


class RecordingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(1)
        self.submitted: list = []

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append(fn)
        return super().submit(fn, *args, **kwargs)


async def test_rendering_runs_in_the_executor_not_on_the_loop():
    with RecordingExecutor() as executor:
        png = await chart_png(crisis(), executor)

    assert png_size(png) == (640, 240)
    assert executor.submitted == [render_png]


def test_the_alt_text_says_what_the_chart_shows():
    assert alt_text(crisis()) == (
        "negative mentions of nuvola over the last 18 windows, up to 612 against a usual range of 33–48"
    )

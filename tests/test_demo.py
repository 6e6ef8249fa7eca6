"""The README's first command: ``badbuzz demo`` shows the scripted crisis and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


def children_of(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def test_the_demo_raises_one_incident_for_the_crisis_and_stops_everything(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path), "COLUMNS": "100"}
    env = {name: value for name, value in env.items() if not name.startswith(("BADBUZZ_", "SLACK_"))}
    demo = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "demo", "--history-minutes", "1500", "--crisis-after", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(demo.stdout), daemon=True).start()
    deadline = time.monotonic() + 360
    while time.monotonic() < deadline and not any("nuvola negative" in line for line in lines):
        assert demo.poll() is None, "".join(lines)
        time.sleep(0.5)
    output = "".join(lines)
    assert "nuvola incident opened" in output, output
    assert "nuvola negative" in output, output
    assert "Unexpected incident" not in output, output

    children = children_of(demo.pid)
    assert len(children) == 2, "the demo runs a broker and a worker"
    demo.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert demo.wait(timeout=60) == 0, "".join(lines)
    time.sleep(0.5)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "no orphan processes"

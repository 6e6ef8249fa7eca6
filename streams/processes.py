"""Child processes that never outlive badbuzz: the broker and workers the demo and tests start."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux delivers SIGTERM to the child when its parent dies, even by SIGKILL: no orphans.
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(args: list[str], **popen_kwargs) -> subprocess.Popen:
    """Start a child in its own session, so the terminal's Ctrl-C reaches only us: we stop
    children in order (workers before the broker they need to commit to)."""
    return subprocess.Popen(args, start_new_session=True, preexec_fn=_die_with_parent, **popen_kwargs)


def stop(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """Ask politely (SIGINT, like Ctrl-C), then firmly (SIGTERM), then SIGKILL."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout if sig is signal.SIGINT else 5.0)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()

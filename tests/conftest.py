"""Shared fixtures: a real embedded broker per session, isolated topics per test, worker processes."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streams.broker import EmbeddedBroker, free_port
from streams.config import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_3c4133359b8940df.txt"


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[EmbeddedBroker]:
    """One real Kafka-compatible broker for the whole test session."""
    log_path = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(log_path=log_path) as embedded:
        yield embedded


def isolated_settings(broker_url: str, data_dir: Path, partitions: int = 4, **overrides) -> Settings:
    """Settings with topics and a consumer group nobody else uses, on the given broker."""
    suffix = uuid.uuid4().hex[:8]
    settings = load_settings(
        broker=broker_url, app_id=f"test-{suffix}", topic_partitions=partitions, data_dir=str(data_dir), **overrides
    )
    return settings.with_topics(lambda _field, name: overrides.get(_field) or f"{name}-{suffix}")


@pytest.fixture
def settings(broker, tmp_path) -> Settings:
    """Settings with topics and a consumer group of this test's own, on the session broker."""
    return isolated_settings(broker.url, tmp_path / "data")


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a subprocess the same settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTREAM_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"NEWSSTREAM_{name.upper()}"] = str(value if not hasattr(value, "get_secret_value") else value.get_secret_value())
    return env


class WorkerProcess:
    """`newsstream worker` in a subprocess, with its log and metrics port."""

    def __init__(self, settings: Settings, log_path: Path, **overrides: str):
        self.metrics_port = free_port()
        self.env = settings_env(settings) | {"NEWSSTREAM_METRICS_PORT": str(self.metrics_port)} | overrides
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", "--processes", "1"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}{path}", timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def wait_ready(self, timeout: float = 90.0) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.get("/readyz")[0] == 200:
                    return self
            except (OSError, http.client.HTTPException):  # not listening yet: see streams.status.fetch
                pass
            time.sleep(0.2)
        raise AssertionError(f"worker not ready in {timeout} s:\n{self.log()}")

    def metric(self, name: str) -> float:
        """Sum of all samples of one metric (across labels)."""
        _, text = self.get("/metrics")
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name) and not line.startswith("#"))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode


@pytest.fixture
def start_worker(settings, tmp_path):
    """Start workers on this test's settings; all are stopped at the end of the test."""
    workers: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        worker = WorkerProcess(settings, tmp_path / f"worker-{len(workers)}.log", **overrides)
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()


def read_topic(settings: Settings, topic: str, count: int, timeout: float = 60.0) -> list:
    """Read ``count`` records from the start of ``topic`` with a plain kafka-python consumer."""
    from streams import kafka_io

    consumer = kafka_io.consumer(settings, [topic], from_beginning=True)
    records = []
    deadline = time.monotonic() + timeout
    try:
        while len(records) < count and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
    finally:
        consumer.close()
    return records


def as_json(records) -> list[dict]:
    return [orjson.loads(r.value) for r in records]

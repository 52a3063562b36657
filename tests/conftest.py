"""Shared fixtures: a real embedded broker per session, isolated topics per test, worker processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from streams.broker import EmbeddedBroker
from streams.config import Settings, load_settings
from streams.processes import WorkerProcess, spawn_worker

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
    overrides.setdefault("prometheus_targets_file", str(data_dir / "prometheus-targets.json"))
    settings = load_settings(
        broker=broker_url, app_id=f"test-{suffix}", topic_partitions=partitions, data_dir=str(data_dir), **overrides
    )
    return settings.with_topics(lambda _field, name: overrides.get(_field) or f"{name}-{suffix}")


@pytest.fixture
def settings(broker, tmp_path) -> Settings:
    """Settings with topics and a consumer group of this test's own, on the session broker."""
    return isolated_settings(broker.url, tmp_path / "data")


def worker_process(settings: Settings, log_path: Path, **overrides: str) -> WorkerProcess:
    """`newsstream worker` on these settings in a subprocess, its output in ``log_path``."""
    return spawn_worker(settings, env_overrides=overrides, log=log_path)


@pytest.fixture
def start_worker(settings, tmp_path):
    """Start workers on this test's settings; all are stopped at the end of the test."""
    workers: list[WorkerProcess] = []

    def start(**overrides: str) -> WorkerProcess:
        worker = worker_process(settings, tmp_path / f"worker-{len(workers)}.log", **overrides)
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

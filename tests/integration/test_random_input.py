"""Random bytes and random JSON through the real broker: every record comes out exactly once.

Property-based (hypothesis): each example is a list of random values sent to the raw
topic, followed by one good article; all of them must come back as enriched articles or
dead letters (counted by source offset), and the good article must be enriched.
"""

from __future__ import annotations

import time
import uuid

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams import kafka_io
from streams.topics import ensure_topics
from tests.conftest import isolated_settings, worker_process
from tests.schema_check import assert_valid
from tests.strategies import raw_values

pytestmark = pytest.mark.integration



@pytest.fixture(scope="module")
def pipeline(broker, tmp_path_factory):
    """One worker for all examples; each example tells its records apart by offset."""
    config = isolated_settings(broker.url, tmp_path_factory.mktemp("data"), partitions=1)
    ensure_topics(config)
    worker = worker_process(config, tmp_path_factory.mktemp("logs") / "worker.log").wait_ready()
    producer = kafka_io.producer(config)
    consumer = kafka_io.consumer(config, [config.topic_enriched, config.topic_deadletter], from_beginning=True)
    yield config, producer, consumer
    consumer.close()
    producer.close()
    assert worker.stop() == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(raw_values, min_size=1, max_size=12))
def test_every_random_record_comes_out_once(pipeline, batch):
    config, producer, consumer = pipeline
    sentinel = f"sentinel-{uuid.uuid4().hex}"
    futures = [producer.send(config.topic_raw, value=value) for value in batch]
    futures.append(producer.send(config.topic_raw, value=orjson.dumps({"id": sentinel, "title": "Talks in Oslo"})))
    producer.flush()
    offsets = {future.get(timeout=30).offset for future in futures}

    seen: dict[int, list[dict]] = {}
    deadline = time.monotonic() + 60
    while not offsets <= set(seen) and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                value = orjson.loads(record.value)
                offset = value["source_offset"]["offset"]
                if offset in offsets:
                    assert_valid("enriched" if record.topic == config.topic_enriched else "dead", value)
                    seen.setdefault(offset, []).append(value)
    assert set(seen) == offsets, f"records lost: offsets {sorted(offsets - set(seen))}"
    assert all(len(outputs) == 1 for outputs in seen.values()), "a record came out twice"
    last = seen[max(offsets)][0]
    assert last.get("id") == sentinel  # the good article after the junk is enriched

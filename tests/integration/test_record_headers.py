"""Every output record carries its headers, read back on the real broker by two independent clients:
kafka-python (the fixture's reader) with the CloudEvents SDK's Kafka binding, and librdkafka
(confluent-kafka) producing the input and consuming the outputs. Debian's kcat is tried too."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import orjson
import pytest

from streams.inputs import text_article
from streams.topics import ensure_topics
from tests.conftest import SEED, read_topic
from tests.schema_check import assert_valid

pytestmark = pytest.mark.integration

confluent_kafka = pytest.importorskip("confluent_kafka")
cloudevents_kafka = pytest.importorskip("cloudevents.core.bindings.kafka")

TRACE = ("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")


def produce_with_librdkafka(settings, records: list[tuple[bytes, bytes, list]]) -> None:
    ensure_topics(settings)
    producer = confluent_kafka.Producer({"bootstrap.servers": ",".join(settings.bootstrap_servers)})
    for key, value, headers in records:
        producer.produce(settings.topic_raw, key=key, value=value, headers=headers)
    assert producer.flush(30) == 0, "librdkafka did not deliver the raw records"


def consume_with_librdkafka(settings, topic: str, count: int, timeout: float = 60.0) -> list:
    consumer = confluent_kafka.Consumer({"bootstrap.servers": ",".join(settings.bootstrap_servers),
                                         "group.id": f"{settings.app_id}-reader", "enable.auto.commit": False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
    messages, deadline = [], time.monotonic() + timeout
    try:
        while len(messages) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None:
                assert message.error() is None, message.error()
                messages.append(message)
    finally:
        consumer.close()
    return messages


def as_cloud_event(headers: list[tuple[str, bytes]], key, value: bytes):
    message = cloudevents_kafka.KafkaMessage(headers=dict(headers), key=key, value=value)
    return cloudevents_kafka.from_binary_event(message)


def test_enriched_articles_and_dead_letters_carry_content_type_schema_and_cloud_event_headers(settings, start_worker):
    start_worker()
    article = {"id": "seed-1", **text_article(SEED.read_text(encoding="utf-8")), "url": "https://example.com/seed-1"}
    produce_with_librdkafka(settings, [(b"seed-1", orjson.dumps(article), [TRACE]),
                                       (b"broken", b"{not json", [TRACE, ("ce_id", b"forged")])])

    (enriched,) = read_topic(settings, settings.topic_enriched, 1)
    (dead,) = read_topic(settings, settings.topic_deadletter, 1)
    for record, kind, schema in ((enriched, "enriched", "enriched-article"), (dead, "deadletter", "dead-letter")):
        headers = dict(record.headers)
        assert headers["content-type"] == b"application/json"
        assert headers["schema-id"] == f"https://newsstream.dev/schemas/{schema}.v1.json".encode()
        assert headers["schema-version"] == orjson.loads(record.value)["schema_version"].encode()
        assert headers["traceparent"] == TRACE[1]  # the producer's own header, carried
        event = as_cloud_event(record.headers, record.key, record.value)
        assert event.get_specversion() == "1.0" and event.get_source() == settings.app_id
        assert event.get_type() == f"newsstream.article.{kind}.v1"
        assert event.get_datacontenttype() == "application/json" and event.get_time() is not None
    assert as_cloud_event(enriched.headers, enriched.key, enriched.value).get_id() == "seed-1"
    assert as_cloud_event(enriched.headers, enriched.key, enriched.value).get_subject() == "https://example.com/seed-1"
    source = orjson.loads(dead.value)["source_offset"]
    dead_event = as_cloud_event(dead.headers, dead.key, dead.value)
    assert dead_event.get_id() == f"{source['topic']}-{source['partition']}-{source['offset']}"  # ours, not forged
    assert_valid("enriched", orjson.loads(enriched.value))
    assert_valid("dead", dead_event.get_data())

    # the second, independent client: librdkafka sees the same headers on the same records
    for topic, expected in ((settings.topic_enriched, enriched), (settings.topic_deadletter, dead)):
        (message,) = consume_with_librdkafka(settings, topic, 1)
        assert message.key() == expected.key and message.value() == expected.value
        assert message.headers() == list(expected.headers)


def test_debian_kcat_reads_the_headers_or_fails_as_documented(settings):
    """Debian 12's kcat bundles librdkafka 2.0.2, which misreads the embedded broker's ApiVersions reply
    (it always carries tagged fields; librdkafka >= 2.2 reads it): README, "For consumers"."""
    if shutil.which("kcat") is None:
        pytest.skip("kcat is not installed (apt-get install kcat)")
    version = subprocess.run(["kcat", "-V"], capture_output=True, text=True, timeout=10).stdout
    librdkafka = re.search(r"librdkafka ([0-9.]+)", version)
    produce_with_librdkafka(settings, [(b"k", b'{"title": "kcat"}', [TRACE])])
    result = subprocess.run(["kcat", "-b", ",".join(settings.bootstrap_servers), "-C", "-t", settings.topic_raw,
                             "-o", "beginning", "-e", "-c", "1", "-f", "%k %h\\n", "-m", "5"],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "Read underflow" in result.stderr:
        pytest.xfail(f"kcat with librdkafka {librdkafka.group(1) if librdkafka else '?'} cannot talk to the broker: "
                     "ApiVersionRequest failed: Local: Read underflow (needs librdkafka >= 2.2)")
    assert result.returncode == 0, result.stderr[-500:]
    assert "traceparent=" in result.stdout

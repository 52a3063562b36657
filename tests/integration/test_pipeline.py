"""The worker against a real broker: raw articles in with kafka-python, enriched records out."""

from __future__ import annotations

import time

import orjson
import pytest
from kafka import KafkaAdminClient

from streams import kafka_io
from streams.inputs import text_article
from streams.topics import ensure_topics
from tests.conftest import SEED, as_json, read_topic
from tests.schema_check import assert_valid

pytestmark = pytest.mark.integration


def produce(settings, values: list[tuple[bytes | None, bytes]]) -> None:
    ensure_topics(settings)
    producer = kafka_io.producer(settings)
    for key, value in values:
        producer.send(settings.topic_raw, key=key, value=value)
    producer.flush()
    producer.close()


def committed_total(settings) -> int:
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    try:
        offsets = admin.list_group_offsets(settings.app_id)[settings.app_id]
    finally:
        admin.close()
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == settings.topic_raw and meta.offset > 0)


def test_seed_article_flows_from_raw_to_enriched(settings, start_worker):
    worker = start_worker()
    article = {"id": "seed-1", **text_article(SEED.read_text(encoding="utf-8")), "source": "Alliance News"}
    produce(settings, [(b"seed-1", orjson.dumps(article))])

    records = read_topic(settings, settings.topic_enriched, 1)
    assert len(records) == 1
    assert records[0].key == b"seed-1"
    enriched = orjson.loads(records[0].value)
    assert_valid("enriched", enriched)
    assert enriched["id"] == "seed-1" and enriched["source"] == "Alliance News"
    names = {(e["text"], e["label"]) for e in enriched["entities"]}
    assert ("Vladimir Putin", "PERSON") in names
    assert ("Tehran", "GPE") in names
    for entity in enriched["entities"]:
        for mention in entity["mentions"]:
            assert enriched["text"][mention["start"] : mention["end"]] == mention["text"]
    codes = {c["code"] for c in enriched["countries"]}
    assert {"RU", "IR", "TR", "SY", "US"} <= codes
    assert enriched["source_offset"]["topic"] == settings.topic_raw
    assert enriched["pipeline"]["model"].startswith("en_core_web_sm")

    deadline = time.monotonic() + 10
    while worker.metric("newsstream_articles_enriched_total") < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker.metric("newsstream_articles_consumed_total") == 1
    assert worker.metric("newsstream_articles_enriched_total") == 1


def test_offsets_are_committed_after_output_and_not_reprocessed(settings, start_worker):
    worker = start_worker()
    values = [orjson.dumps({"id": f"a{i}", "title": f"Story {i} from Kenya", "body": "Nairobi officials spoke."})
              for i in range(20)]
    produce(settings, [(None, v) for v in values])
    assert len(read_topic(settings, settings.topic_enriched, 20)) == 20

    deadline = time.monotonic() + 15
    while committed_total(settings) < 20 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert committed_total(settings) == 20
    worker.stop()

    start_worker()  # same group: starts from the committed offsets
    produce(settings, [(None, orjson.dumps({"id": "last", "title": "One more from Ghana"}))])
    records = as_json(read_topic(settings, settings.topic_enriched, 22, timeout=15))
    assert [r["id"] for r in records].count("last") == 1
    assert len(records) == 21  # nothing enriched twice


def test_a_batch_of_long_articles_is_enriched_in_parts_and_committed_once(settings, start_worker):
    worker = start_worker(NEWSSTREAM_BATCH_MAX_BYTES="20000", NEWSSTREAM_BATCH_WAIT="2")
    body = "Officials in Nairobi said the talks would go on. " * 180  # ~9,000 bytes: two a part
    values = [orjson.dumps({"id": f"long{i}", "title": f"Talks {i}", "body": body}) for i in range(12)]
    produce(settings, [(None, v) for v in values])

    records = as_json(read_topic(settings, settings.topic_enriched, 12, timeout=60))
    assert sorted(r["id"] for r in records) == sorted(f"long{i}" for i in range(12))
    deadline = time.monotonic() + 15
    while committed_total(settings) < 12 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert committed_total(settings) == 12
    parts = worker.metric("newsstream_batch_size_records_count")
    assert parts >= 6 and worker.metric("newsstream_batch_size_records_sum") == 12  # at most 2 records a part

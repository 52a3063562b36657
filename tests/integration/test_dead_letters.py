"""Every class of bad input, through the real broker in one run: dead-lettered, and the worker goes on."""

from __future__ import annotations

import base64

import orjson
import pytest

from tests.conftest import as_json, read_topic
from tests.integration.test_pipeline import produce
from tests.schema_check import assert_valid

pytestmark = pytest.mark.integration

LIMIT = 3_000_000

BAD_INPUT = [
    ("malformed JSON", b'{"title": "unterminated', "invalid_json"),
    ("JSON array", b'["a", "b"]', "not_an_object"),
    ("JSON string", b'"just a string"', "not_an_object"),
    ("wrong field type", b'{"title": 42, "body": "x"}', "schema_violation"),
    ("unknown field", b'{"title": "t", "headline": "h"}', "schema_violation"),
    ("bad published_at", b'{"title": "t", "published_at": "last week"}', "schema_violation"),
    ("neither title nor body", b'{"url": "https://example.com/a"}', "empty_article"),
    ("only white space", b'{"title": "  \\t", "body": "\\n \\u00a0"}', "empty_article"),
    ("invalid UTF-8", b'{"title": "caf\xe9 au lait"}', "invalid_utf8"),
    ("binary junk", bytes(range(256)) * 4, "invalid_utf8"),
    ("empty value", b"", "invalid_json"),
    ("over the size limit", orjson.dumps({"title": "big", "body": "a" * (LIMIT + 10)}), "too_large"),
]
# No input makes NER raise any more (a text over spaCy's max_length is read in pieces); a
# failing NER is dead-lettered "enrichment_failed": tests/unit/core/test_enrich.py.


def test_every_bad_input_class_is_dead_lettered_and_a_good_article_still_flows(settings, start_worker):
    worker = start_worker(NEWSSTREAM_MAX_RECORD_BYTES=str(LIMIT))
    good_before = orjson.dumps({"id": "before", "title": "Election in Chile", "body": "Santiago voted on Sunday."})
    good_after = orjson.dumps({"id": "after", "title": "Strike in France", "body": "Paris trains stopped."})
    long_body = "Crowds marched in Nairobi on Friday. " * 1_500
    good_long = orjson.dumps({"id": "long", "title": "Protests", "body": long_body})
    values = [good_before] + [value for _, value, _ in BAD_INPUT] + [good_after, good_long]
    produce(settings, [(f"k{i}".encode(), value) for i, value in enumerate(values)])

    enriched = as_json(read_topic(settings, settings.topic_enriched, 3, timeout=120))
    dead = as_json(read_topic(settings, settings.topic_deadletter, len(BAD_INPUT), timeout=120))

    assert len(values) == len(enriched) + len(dead)  # nothing lost, nothing doubled
    assert sorted(r["id"] for r in enriched) == ["after", "before", "long"]
    (long,) = [r for r in enriched if r["id"] == "long"]  # 55,500 characters: NER read it in pieces
    assert sum(e["count"] for e in long["entities"] if e["text"] == "Nairobi") == 1_500
    by_key = {d["key"]: d for d in dead}  # dead letters keep the input key
    for index, (name, value, code) in enumerate(BAD_INPUT, start=1):
        letter = by_key[f"k{index}"]
        assert letter["error"]["code"] == code, name
        assert letter["error"]["reason"], name
        assert_valid("dead", letter)
        binary = letter["payload_encoding"] == "base64"
        original = base64.b64decode(letter["payload"]) if binary else letter["payload"].encode()
        if letter["payload_truncated"]:
            assert value.startswith(original) and letter["payload_bytes"] == len(value), name
        else:
            assert original == value, name
    for record in enriched:
        assert_valid("enriched", record)
    assert worker.process.poll() is None
    for code in {code for _, _, code in BAD_INPUT}:
        expected = sum(1 for _, _, c in BAD_INPUT if c == code)
        assert worker.metric("newsstream_articles_deadlettered_total", code=code) == expected, code

"""Output headers: content type, schema, CloudEvents binary mode, and the input's own headers carried."""

from __future__ import annotations

import asyncio

from streams.core.headers import EVENT_KINDS, event_headers, normalized, output_headers
from streams.core.outcomes import BatchReport, Destination, Incoming, Outcome, dead_outcome
from streams.core.records import ErrorCode, SourceOffset
from streams.delivery import deliver
from tests.unit.batches import FakeTopic, senders

SOURCE = SourceOffset("articles.raw", 3, 1042, 1658210400000)
ENRICHED = {"schema_version": "1.0", "id": "a-1", "url": "https://example.com/a",
            "enriched_at": "2022-07-19T06:00:01.250Z"}


def test_an_enriched_article_is_a_cloud_event_named_after_the_article():
    item = Incoming(b"{}", SOURCE, b"a-1", headers=(("traceparent", b"00-abc-01"),))
    headers = dict(output_headers(item, Outcome("a-1", ENRICHED), source="newsstream"))
    assert headers == {
        "traceparent": b"00-abc-01",
        "content-type": b"application/json",
        "schema-id": b"https://newsstream.dev/schemas/enriched-article.v1.json",
        "schema-version": b"1.0",
        "ce_specversion": b"1.0",
        "ce_id": b"a-1",
        "ce_source": b"newsstream",
        "ce_type": b"newsstream.article.enriched.v1",
        "ce_time": b"2022-07-19T06:00:01.250Z",
        "ce_subject": b"https://example.com/a",
        "ce_dataschema": b"https://newsstream.dev/schemas/enriched-article.v1.json",
    }


def test_a_dead_letter_is_named_after_its_input_offset_and_has_no_subject():
    item = Incoming(b"not json", SOURCE, b"k")
    headers = dict(output_headers(item, dead_outcome(item, ErrorCode.INVALID_JSON, "bad"), source="app"))
    assert headers["ce_id"] == b"articles.raw-3-1042"
    assert headers["ce_type"] == b"newsstream.article.deadletter.v1"
    assert headers["schema-id"].endswith(b"/dead-letter.v1.json")
    assert "ce_subject" not in headers


def test_a_dead_letter_outside_kafka_is_named_after_its_payload():
    item = Incoming(b"not json")
    outcome = dead_outcome(item, ErrorCode.INVALID_JSON, "bad")
    expected = f"sha256:{outcome.record['payload_sha256']}".encode()
    assert dict(output_headers(item, outcome, source="app"))["ce_id"] == expected


def test_our_headers_win_over_the_inputs_whatever_their_case_and_the_others_are_kept_in_order():
    carried = (("CE_ID", b"forged"), ("x-trace", b"1"), ("content-type", b"text/plain"), ("x-trace", b"2"))
    headers = event_headers(EVENT_KINDS[Destination.ENRICHED], event_id="a", source="s", time=None,
                            schema_version="1.0", carried=carried)
    assert headers[:2] == [("x-trace", b"1"), ("x-trace", b"2")]
    assert dict(headers)["ce_id"] == b"a" and dict(headers)["content-type"] == b"application/json"
    assert "ce_time" not in dict(headers)  # unknown: left out, never empty


def test_consumed_headers_of_any_shape_become_pairs_of_bytes():
    assert normalized(None) == ()
    assert normalized({"a": "x"}) == (("a", b"x"),)
    assert normalized([("a", b"y")]) == (("a", b"y"),)


def test_delivery_sends_every_output_with_its_headers():
    items = [Incoming(b"{}", SOURCE, b"a-1", headers=(("x-trace", b"t"),)), Incoming(b"x", SOURCE, b"k")]
    report = BatchReport([Outcome("a-1", ENRICHED), dead_outcome(items[1], ErrorCode.INVALID_JSON, "bad")])
    enriched, dead = FakeTopic(), FakeTopic()
    asyncio.run(deliver(senders(enriched.send, dead.send), items, report, source="worker-1"))
    (enriched_headers,), (dead_headers,) = enriched.headers, dead.headers
    assert dict(enriched_headers)["x-trace"] == b"t" and dict(enriched_headers)["ce_source"] == b"worker-1"
    assert dict(dead_headers)["ce_type"] == b"newsstream.article.deadletter.v1"


def test_trends_records_carry_a_cloudevent_whose_id_is_stable_for_a_republished_final():
    from streams.core.headers import trends_headers

    record = {"schema_version": "1.0", "kind": "country", "final": True, "updated_at": "2026-12-01T10:15:03Z"}
    first = dict(trends_headers("2024-05-01T12:00:00Z/900/country", record, source="news"))
    again = dict(trends_headers("2024-05-01T12:00:00Z/900/country", {**record, "updated_at": "2026-12-01T10:15:09Z"},
                                source="news"))
    assert first["ce_id"] == again["ce_id"] == b"2024-05-01T12:00:00Z/900/country@final"
    assert first["ce_type"] == b"newsstream.trends.window.v1" and first["ce_subject"] == b"country"
    assert first["schema-id"].endswith(b"trends.v1.json")

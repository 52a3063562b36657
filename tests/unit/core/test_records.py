"""Raw-record parsing: every bad input maps to exactly one error code, with a readable reason."""

from __future__ import annotations

import base64
import json

import orjson
import pytest

from streams.core.records import (
    MAX_METADATA_DEPTH,
    ErrorCode,
    RecordError,
    SourceOffset,
    article_id,
    content_hash,
    dead_letter,
    parse_raw,
)

LIMIT = 1024


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (b"x" * (LIMIT + 1), ErrorCode.TOO_LARGE),
        (b'{"title": "caf\xe9"}', ErrorCode.INVALID_UTF8),
        (b"\x00\x01\x02binary", ErrorCode.INVALID_JSON),
        (b"{not json", ErrorCode.INVALID_JSON),
        (b"", ErrorCode.INVALID_JSON),
        (None, ErrorCode.NOT_AN_OBJECT),
        (b"[1, 2]", ErrorCode.NOT_AN_OBJECT),
        (b'"a string"', ErrorCode.NOT_AN_OBJECT),
        (b"null", ErrorCode.NOT_AN_OBJECT),
        (b'{"title": 5}', ErrorCode.SCHEMA_VIOLATION),
        (b'{"title": "t", "metadata": []}', ErrorCode.SCHEMA_VIOLATION),
        (b'{"title": "t", "published_at": "yesterday"}', ErrorCode.SCHEMA_VIOLATION),
        (b'{"title": "t", "unknown": 1}', ErrorCode.SCHEMA_VIOLATION),
        (b"{}", ErrorCode.EMPTY_ARTICLE),
        (b'{"title": " \\n\\t", "body": ""}', ErrorCode.EMPTY_ARTICLE),
    ],
)
def test_bad_input_gets_one_error_code(value, code):
    with pytest.raises(RecordError) as caught:
        parse_raw(value, max_bytes=LIMIT)
    assert caught.value.code is code
    assert caught.value.reason


def test_size_is_checked_before_decoding():
    # Invalid UTF-8 *and* too large: the cheap size check wins, nothing is decoded.
    with pytest.raises(RecordError) as caught:
        parse_raw(b"\xff" * (LIMIT + 1), max_bytes=LIMIT)
    assert caught.value.code is ErrorCode.TOO_LARGE


def test_valid_article_parses():
    article = parse_raw(
        orjson.dumps({"title": "T", "body": "B", "published_at": "2022-07-19T06:00:00Z", "metadata": {"a": 1}}),
        max_bytes=LIMIT,
    )
    assert article["title"] == "T"


def test_article_id_is_stable_and_prefers_explicit_then_url():
    assert article_id({"id": "x", "url": "https://a"}) == "x"
    by_url = article_id({"url": "https://Example.com/a", "title": "1"})
    assert by_url == article_id({"url": "https://example.com/a", "title": "2"})
    by_text = article_id({"title": "T", "body": "B"})
    assert by_text == article_id({"title": "T", "body": "B"}) != article_id({"title": "T", "body": "C"})
    assert content_hash({"title": "T", "body": "B"}).startswith("sha256:")


def test_dead_letter_keeps_utf8_payload_as_text_and_binary_as_base64():
    source = SourceOffset("raw", 3, 42, 1000)
    text = dead_letter(b"not json", ErrorCode.INVALID_JSON, "bad", source=source, worker_version="1")
    assert text["payload"] == "not json" and text["payload_encoding"] == "utf-8"
    assert text["source_offset"] == {"topic": "raw", "partition": 3, "offset": 42, "timestamp_ms": 1000}
    binary = dead_letter(b"\xff\x00", ErrorCode.INVALID_UTF8, "bad", source=None, worker_version="1")
    assert base64.b64decode(binary["payload"]) == b"\xff\x00" and binary["payload_encoding"] == "base64"
    assert binary["payload_truncated"] is False


def test_dead_letter_of_oversized_record_says_it_is_cut():
    record = dead_letter(b"a" * 100, ErrorCode.TOO_LARGE, "big", source=None, worker_version="1", max_payload_bytes=10)
    assert record["payload"] == "a" * 10
    assert record["payload_truncated"] is True and record["payload_bytes"] == 100


def test_metadata_nested_deeper_than_the_limit_is_a_schema_violation_and_the_limit_itself_passes():
    def nested(levels: int) -> dict:
        value: dict = {}
        for _ in range(levels - 1):
            value = {"a": value}
        return value

    ok = orjson.dumps({"title": "T", "metadata": nested(MAX_METADATA_DEPTH)})
    assert parse_raw(ok, max_bytes=1 << 20)["metadata"]
    deep = json.dumps({"title": "T", "metadata": {"list": [nested(600)]}}).encode()  # orjson writes 254 at most
    with pytest.raises(RecordError) as caught:
        parse_raw(deep, max_bytes=1 << 20)
    assert caught.value.code == ErrorCode.SCHEMA_VIOLATION and "over the limit of 64" in caught.value.reason

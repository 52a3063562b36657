"""The three record shapes: raw article in, enriched article or dead letter out.

Parsing is strict and ordered so that every bad input maps to exactly one error code:
size (checked before anything is decoded) -> UTF-8 -> JSON -> object -> schema -> text.
The JSON Schemas in ``schemas/`` are the written contract; the raw one is compiled
here (fastjsonschema) so the worker enforces exactly what the contract says.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson

from streams.errors import NewsstreamError

#: Version of the enriched-article and dead-letter records this code writes.
#: Minor versions only add optional fields; anything else is a new major version.
SCHEMA_VERSION = "1.3"  # 1.1: places, dateline.place, pipeline.data; 1.2: world_places; 1.3: places[].near

#: The JSON Schemas: the top-level ``schemas/`` folder, shipped inside the package through
#: the ``streams/schemas`` link, so an installed worker finds them as a checkout does.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


class ErrorCode(StrEnum):
    """Why a record was dead-lettered: a small, fixed set (it is a metrics label)."""

    TOO_LARGE = "too_large"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    SCHEMA_VIOLATION = "schema_violation"
    EMPTY_ARTICLE = "empty_article"
    ENRICHMENT_FAILED = "enrichment_failed"


class RecordError(NewsstreamError, ValueError):
    """A raw record that cannot be enriched, with its error code and a readable reason."""

    def __init__(self, code: ErrorCode, reason: str):
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SourceOffset:
    """Where a record came from in Kafka: makes duplicates and replays traceable."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None

    def as_dict(self) -> dict[str, Any]:
        # by hand: dataclasses.asdict deep-copies and costs more than the rest of a record's core without NLP
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset,
                "timestamp_ms": self.timestamp_ms}


def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``schemas/`` by file name, e.g. ``raw-article.v1.json``."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def _raw_validator():
    return fastjsonschema.compile(load_schema("raw-article.v1.json"))


def parse_raw(value: bytes | bytearray | memoryview | None, *, max_bytes: int) -> dict[str, Any]:
    """Decode and validate one raw-article record; raise RecordError saying why not."""
    if value is None:
        raise RecordError(ErrorCode.NOT_AN_OBJECT, "record has no value (null or tombstone)")
    size = len(value)
    if size > max_bytes:
        raise RecordError(ErrorCode.TOO_LARGE, f"record is {size} bytes, over the limit of {max_bytes} bytes")
    try:
        text = bytes(value).decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"record is not valid UTF-8: {exc.reason} at byte {exc.start}"
        raise RecordError(ErrorCode.INVALID_UTF8, reason) from None
    try:
        article = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise RecordError(ErrorCode.INVALID_JSON, f"record is not valid JSON: {exc}") from None
    if not isinstance(article, dict):
        raise RecordError(ErrorCode.NOT_AN_OBJECT, f"record is a JSON {type(article).__name__}, not an object")
    validate_raw(article)
    depth = _depth(article.get("metadata"))
    if depth > MAX_METADATA_DEPTH:
        reason = (f"metadata is nested {depth} levels deep, over the limit of {MAX_METADATA_DEPTH} "
                  "(its enriched record could not be written)")
        raise RecordError(ErrorCode.SCHEMA_VIOLATION, reason)
    return article


#: Levels of objects and arrays ``metadata`` may nest: the JSON encoder writes at most 254, and a
#: record must also pickle to and from the core's process.
MAX_METADATA_DEPTH = 64


def _depth(value: Any) -> int:
    """How many levels of objects and arrays ``value`` nests (0 for a scalar), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_METADATA_DEPTH:  # beyond the limit the exact depth does not matter
                stack += [(child, level + 1) for child in (item.values() if isinstance(item, dict) else item)]
    return deepest


def validate_raw(article: dict[str, Any]) -> None:
    """Check a decoded raw article against the raw-article schema."""
    try:
        _raw_validator()(article)
    except fastjsonschema.JsonSchemaException as exc:
        if exc.rule == "anyOf" and exc.name == "data":
            raise RecordError(ErrorCode.EMPTY_ARTICLE, "neither title nor body contains any text") from None
        raise RecordError(ErrorCode.SCHEMA_VIOLATION, exc.message) from None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def article_id(article: dict[str, Any]) -> str:
    """The article's key: its own id, else derived from its URL, else from title and body.

    Deterministic, so a re-sent article lands on the same key (and partition) downstream.
    """
    if article.get("id"):
        return article["id"]
    url = (article.get("url") or "").strip()
    if url:
        return "url-" + _digest(url.lower())[:24]
    return "txt-" + _digest(article.get("title") or "", article.get("body") or "")[:24]


def content_hash(article: dict[str, Any]) -> str:
    """Hash of the article's text, so consumers can spot the same story under different ids."""
    return "sha256:" + _digest(article.get("title") or "", article.get("body") or "")


def utc_now() -> str:
    """RFC 3339 timestamp in UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dead_letter(
    value: bytes | None,
    code: ErrorCode,
    reason: str,
    *,
    source: SourceOffset | None,
    worker_version: str,
    key: bytes | None = None,
    max_payload_bytes: int | None = None,
) -> dict[str, Any]:
    """A dead-letter record carrying the original bytes (base64 unless valid UTF-8).

    Only a record over the size limit is cut, to ``max_payload_bytes``, and then says so
    (``payload_truncated``) and carries the full record's size and SHA-256.
    """
    raw = bytes(value) if value is not None else b""
    full_size, full_sha256 = len(raw), hashlib.sha256(raw).hexdigest()
    truncated = max_payload_bytes is not None and full_size > max_payload_bytes
    if truncated:
        raw = raw[:max_payload_bytes]
    try:
        payload, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # binary, or a multi-byte character cut by truncation
        payload, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "error": {"code": str(code), "reason": reason},
        "payload": payload,
        "payload_encoding": encoding,
        "payload_bytes": full_size,
        "payload_sha256": full_sha256,
        "payload_truncated": truncated,
        "source_offset": source.as_dict() if source else None,
        "failed_at": utc_now(),
        "worker_version": worker_version,
    }
    if key is not None:
        try:
            record["key"] = key.decode("utf-8")
        except UnicodeDecodeError:
            record["key"] = base64.b64encode(key).decode("ascii")
    return record


def dumps(record: dict[str, Any]) -> bytes:
    """Serialise an outgoing record (compact JSON, UTF-8)."""
    return orjson.dumps(record)

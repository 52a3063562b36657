"""Validating records against the JSON Schemas with a real validator (jsonschema, draft 2020-12)."""

from __future__ import annotations

from functools import cache

from jsonschema import Draft202012Validator

from streams.core.records import load_schema

SCHEMAS = {
    "raw": "raw-article.v1.json",
    "enriched": "enriched-article.v1.json",
    "dead": "dead-letter.v1.json",
    "trends": "trends.v1.json",
}


@cache
def validator(kind: str) -> Draft202012Validator:
    schema = load_schema(SCHEMAS[kind])
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(kind: str, record: dict) -> None:
    errors = sorted(validator(kind).iter_errors(record), key=lambda e: list(e.path))
    assert not errors, f"{kind} record does not match its schema: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )

"""The schemas: valid documents, examples that validate, and compatibility with the last release."""

from __future__ import annotations

import json

import pytest

from streams.core.records import SCHEMA_DIR, ErrorCode
from tests.schema_check import SCHEMAS, assert_valid, validator


@pytest.mark.parametrize("kind", SCHEMAS)
def test_examples_validate(kind):
    schema = validator(kind).schema
    assert schema["examples"]
    for example in schema["examples"]:
        assert_valid(kind, example)


def test_dead_letter_codes_are_the_code_enum():
    schema = validator("dead").schema
    assert set(schema["properties"]["error"]["properties"]["code"]["enum"]) == {str(c) for c in ErrorCode}


def breaking_changes(previous: dict, current: dict, path: str = "") -> list[str]:
    """Differences that break the rule "a version only grows by optional fields"."""
    problems = []
    for key in ("type", "enum", "pattern", "format", "const", "minimum", "maximum", "minLength", "maxLength", "$ref"):
        if previous.get(key) != current.get(key):
            problems.append(f"{path or '/'}: {key} changed from {previous.get(key)!r} to {current.get(key)!r}")
    added_required = set(current.get("required", [])) - set(previous.get("required", []))
    if added_required:
        problems.append(f"{path or '/'}: newly required {sorted(added_required)}")
    if previous.get("additionalProperties", True) is not False and current.get("additionalProperties", True) is False:
        problems.append(f"{path or '/'}: additionalProperties closed")
    for name, sub in previous.get("properties", {}).items():
        if name not in current.get("properties", {}):
            problems.append(f"{path}/{name}: removed")
        else:
            problems += breaking_changes(sub, current["properties"][name], f"{path}/{name}")
    for name, sub in previous.get("$defs", {}).items():
        if name not in current.get("$defs", {}):
            problems.append(f"$defs/{name}: removed")
        else:
            problems += breaking_changes(sub, current["$defs"][name], f"$defs/{name}")
    if "items" in previous:
        problems += breaking_changes(previous["items"], current.get("items", {}), f"{path}[]")
    return problems


@pytest.mark.parametrize("name", SCHEMAS.values())
def test_current_schema_is_compatible_with_the_previous_release(name):
    previous = json.loads((SCHEMA_DIR / "previous" / name).read_text())
    current = json.loads((SCHEMA_DIR / name).read_text())
    assert breaking_changes(previous, current) == []


def test_the_rule_catches_breaking_changes():
    previous = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    added = {**previous, "properties": {**previous["properties"], "c": {"type": "string"}}}
    assert breaking_changes(previous, added) == []
    assert breaking_changes(previous, {**previous, "required": ["a", "b"]})
    assert breaking_changes(previous, {**previous, "properties": {"a": {"type": "string"}}})
    assert breaking_changes(previous, {**previous, "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})


def test_the_validator_checks_formats():
    with pytest.raises(AssertionError, match="date-time"):
        assert_valid("raw", {"title": "t", "published_at": "yesterday"})

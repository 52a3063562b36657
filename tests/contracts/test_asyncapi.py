"""schemas/asyncapi.yaml: valid for the official AsyncAPI parser, and saying what the code does.

The parser comes from the npm registry, pinned by package-lock.json here (``npm ci`` in this
folder; ``.ci/run`` does it). Outside CI the parser test skips, saying why, without node or it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from streams import __version__
from streams.config import Settings
from streams.core.headers import EVENT_KINDS, TRENDS_EVENT
from streams.core.outcomes import Destination
from streams.core.records import SCHEMA_DIR, SCHEMA_VERSION, load_schema
from streams.core.trends import TRENDS_SCHEMA_VERSION
from tests.schema_check import SCHEMAS, assert_valid

HERE = Path(__file__).resolve().parent
DOCUMENT = SCHEMA_DIR / "asyncapi.yaml"
KIND_OF_FILE = {name: kind for kind, name in SCHEMAS.items()}
#: channel -> (its Settings field, the event kind of its records and their schema version; None for the input)
CHANNELS = {
    "raw": ("topic_raw", None, None),
    "enriched": ("topic_enriched", EVENT_KINDS[Destination.ENRICHED], SCHEMA_VERSION),
    "deadLetters": ("topic_deadletter", EVENT_KINDS[Destination.DEAD_LETTER], SCHEMA_VERSION),
    "trends": ("topic_trends", TRENDS_EVENT, TRENDS_SCHEMA_VERSION),
}


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def resolve(document: dict, node):
    """A ``$ref`` (into this document or a schema file beside it) replaced by what it points to."""
    if not (isinstance(node, dict) and "$ref" in node):
        return node
    where, _, pointer = node["$ref"].partition("#")
    target = load_schema(Path(where).name) if where else document
    for part in filter(None, pointer.split("/")):
        target = target[int(part)] if isinstance(target, list) else target[part]
    return resolve(document, target)


def message_of(document: dict, channel: str) -> dict:
    (message,) = document["channels"][channel]["messages"].values()
    return resolve(document, message)


def parse_with_the_official_parser() -> dict:
    modules = HERE / "node_modules" / "@asyncapi" / "parser"
    missing = "node" if shutil.which("node") is None else None if modules.is_dir() else "@asyncapi/parser"
    if missing:
        reason = f"{missing} is missing: run `npm ci` in tests/contracts (needs Node.js 20)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run(["node", str(HERE / "validate.mjs"), str(DOCUMENT)], capture_output=True, text=True,
                            timeout=120, cwd=HERE)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_the_official_parser_accepts_the_document_without_errors_or_warnings():
    parsed = parse_with_the_official_parser()
    problems = [d for d in parsed["diagnostics"] if d["severity"] <= 1]  # 0 error, 1 warning, 2 info, 3 hint
    assert parsed["parsed"] and not problems, json.dumps(problems, indent=1)
    assert parsed["channels"] == [getattr(Settings(), setting) for setting, _, _ in CHANNELS.values()]


def test_channels_are_the_workers_topics_with_its_partitions_and_replicas(document):
    defaults = Settings()
    assert set(document["channels"]) == set(CHANNELS)
    for channel, (setting, _, _) in CHANNELS.items():
        spec = document["channels"][channel]
        assert spec["address"] == spec["bindings"]["kafka"]["topic"] == getattr(defaults, setting)
        assert spec["bindings"]["kafka"]["partitions"] == defaults.topic_partitions
        assert spec["bindings"]["kafka"]["replicas"] == defaults.topic_replication
    assert document["info"]["version"] == __version__


def test_messages_reference_the_schema_files_and_their_examples_are_valid(document):
    for channel in CHANNELS:
        message = message_of(document, channel)
        kind = KIND_OF_FILE[Path(message["payload"]["$ref"]).name]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"  # keys are article ids (or the input's)
        assert message["examples"]
        for example in message["examples"]:
            assert_valid(kind, resolve(document, example["payload"]))


def test_output_headers_state_the_schema_ids_types_and_version_the_worker_writes(document):
    for channel, (_, event, version) in CHANNELS.items():
        if event is None:
            continue
        message = message_of(document, channel)
        schema = load_schema(Path(message["payload"]["$ref"]).name)
        stated = resolve(document, message["headers"])["allOf"][1]["properties"]
        assert stated["schema-id"]["const"] == event.schema_id == schema["$id"]
        assert stated["ce_type"]["const"] == event.type
        assert stated["schema-version"]["const"] == version
        assert schema["properties"]["schema_version"]["pattern"].startswith(f"^{version.split('.')[0]}\\.")
        for example in message["examples"]:
            headers = example["headers"]
            assert headers["schema-id"] == event.schema_id and headers["ce_type"] == event.type
            assert headers["schema-version"] == resolve(document, example["payload"])["schema_version"]

"""Kafka record headers of every output: content type, schema, and a CloudEvent in binary mode.

Consumers route and check records by their headers without parsing the value: ``content-type``,
``schema-id`` and ``schema-version`` say what the value is, the ``ce_*`` headers make every
record a CloudEvent (CloudEvents Kafka protocol binding, binary content mode, spec 1.0), so
any CloudEvents SDK reads it. The raw record's own headers (a producer's trace id) are
carried onto its outputs; ours win on a name clash.

``event_headers`` is the one builder, for any output topic; ``output_headers`` maps the
enrichment's outcomes onto it. A new output (trends) adds one ``EventKind`` to ``EVENT_KINDS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from streams.core.outcomes import Destination, Incoming, Outcome

#: A record's headers as Kafka clients pass them: (name, value) pairs, names may repeat.
Headers = list[tuple[str, bytes]]

CONTENT_TYPE = "application/json"
CE_SPEC_VERSION = "1.0"
SCHEMA_BASE = "https://newsstream.dev/schemas/"


@dataclass(frozen=True, slots=True)
class EventKind:
    """What one output topic's records are: their CloudEvents type and JSON Schema file."""

    type: str
    schema_file: str
    time_field: str

    @property
    def schema_id(self) -> str:
        return SCHEMA_BASE + self.schema_file


EVENT_KINDS: dict[Destination, EventKind] = {
    Destination.ENRICHED: EventKind("newsstream.article.enriched.v1", "enriched-article.v1.json", "enriched_at"),
    Destination.DEAD_LETTER: EventKind("newsstream.article.deadletter.v1", "dead-letter.v1.json", "failed_at"),
}


#: The trends topic's records (not an outcome of the enrichment: the trends agent publishes them).
TRENDS_EVENT = EventKind("newsstream.trends.window.v1", "trends.v1.json", "updated_at")


def trends_headers(key: str, record: dict[str, Any], *, source: str) -> Headers:
    """A trends record's headers: its id is its key and version (a final record republished after a
    crash is the same event: the same id)."""
    version = "final" if record.get("final") else record.get("updated_at", "")
    return event_headers(TRENDS_EVENT, event_id=f"{key}@{version}", source=source,
                         time=record.get("updated_at"), schema_version=record.get("schema_version"),
                         subject=record.get("kind"))


def normalized(headers: Iterable[tuple[str, Any]] | Mapping[str, Any] | None) -> tuple[tuple[str, bytes], ...]:
    """Headers as consumed (a list of pairs, a mapping, or None) as a tuple of (str, bytes) pairs."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    return tuple((str(name), value if isinstance(value, bytes) else str(value).encode()) for name, value in pairs)


def event_headers(
    kind: EventKind,
    *,
    event_id: str,
    source: str,
    time: str | None,
    schema_version: str | None,
    subject: str | None = None,
    carried: Iterable[tuple[str, bytes]] = (),
) -> Headers:
    """The headers of one output record: ``carried`` (the input's) first, minus the names we set."""
    ours = {
        "content-type": CONTENT_TYPE,
        "schema-id": kind.schema_id,
        "schema-version": schema_version,
        "ce_specversion": CE_SPEC_VERSION,
        "ce_id": event_id,
        "ce_source": source,
        "ce_type": kind.type,
        "ce_time": time,
        "ce_subject": subject,
        "ce_dataschema": kind.schema_id,
    }
    taken = {name.lower() for name in ours}
    kept = [(name, value) for name, value in carried if name.lower() not in taken]
    return kept + [(name, value.encode()) for name, value in ours.items() if value]


def event_id_of(item: Incoming, outcome: Outcome) -> str:
    """The article id for an enriched article; topic-partition-offset for anything else (unique, and
    the same when a replay sends it again), the payload's digest outside Kafka."""
    if outcome.destination == Destination.ENRICHED and outcome.record.get("id"):
        return outcome.record["id"]
    if item.source is not None:
        return f"{item.source.topic}-{item.source.partition}-{item.source.offset}"
    return f"sha256:{outcome.record.get('payload_sha256') or outcome.record.get('content_hash', '')}"


def output_headers(item: Incoming, outcome: Outcome, *, source: str) -> Headers:
    """The headers of ``outcome``'s record; ``source`` is the worker's app id (``ce_source``)."""
    kind = EVENT_KINDS[outcome.destination]
    record = outcome.record
    return event_headers(
        kind,
        event_id=event_id_of(item, outcome),
        source=source,
        time=record.get(kind.time_field),
        schema_version=record.get("schema_version"),
        subject=record.get("url") or None,
        carried=item.headers,
    )

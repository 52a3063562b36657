"""The typed client for consumers: enriched articles as pydantic models, and ``subscribe`` to get them.

The models follow ``schemas/enriched-article.v1.json`` (every example in it loads and dumps
back valid: ``tests/unit/test_client.py``). They keep fields they do not know (``extra``):
minor versions add optional fields, and a consumer on an older client neither fails on them
nor drops them when it passes a record on.

    from streams.client import subscribe
    for article in subscribe("kafka://kafka-1:9092", country="ES", group="my-team"):
        print(article.id, article.title, [c.code for c in article.countries])
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from streams.config import Settings, load_settings
from streams.filters import ArticleFilter

log = logging.getLogger(__name__)

__all__ = ["EnrichedArticle", "subscribe"]


class Record(BaseModel):
    """Unknown fields are kept (a newer minor version's), so a record dumps back whole."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Span(Record):
    text: str
    start: int
    end: int


class Evidence(Span):
    kind: str


class Entity(Record):
    text: str
    label: str
    count: int
    first: int
    mentions: list[Span]


class CountryTag(Record):
    code: str
    name: str
    count: int
    score: float
    focus: bool
    evidence: list[Evidence]


class Dateline(Record):
    """In the schema's order; ``country`` is where the story was filed."""

    text: str
    location: str
    region: str | None = None
    country: str | None
    date: str | None = None
    agency: str | None = None
    start: int
    end: int


class Place(Record):
    """A place the article mentions (``places``, added in a later minor version: absent in older records)."""

    geonameid: int | str | None  # None: a curated region the GeoNames tables do not carry ("West Midlands")
    name: str


class SourceOffset(Record):
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None


class PipelineInfo(Record):
    """What made the record: tell re-enriched records from older ones by ``newsstream`` and ``data``."""

    model: str
    version: str
    newsstream: str
    spacy: str | None = None
    data: str | None = None


class Analysis(Record):
    """How the article was read (since 1.1, newer workers): its language, the pipeline, why no entities."""

    language: str
    basis: str
    pipeline: str
    reason: str | None = None


class EnrichedArticle(Record):
    """One record of the enriched topic."""

    schema_version: str
    id: str
    language: str
    language_score: float
    text: str
    dateline: Dateline | None
    entities: list[Entity]
    countries: list[CountryTag]
    content_hash: str
    source_offset: SourceOffset | None
    pipeline: PipelineInfo
    enriched_at: datetime
    title: str | None = None
    body: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    declared_language: str | None = None
    places: list[Place] | None = None
    world_places: list[Place] | None = None  # since 1.2: continents, seas, regions of several countries
    analysis: Analysis | None = None

    @classmethod
    def from_bytes(cls, value: bytes) -> EnrichedArticle:
        return cls.model_validate(orjson.loads(value))

    def to_record(self) -> dict[str, Any]:
        """The JSON record again: fields that were absent stay absent (the schema has no nulls for them)."""
        return self.model_dump(mode="json", exclude_unset=True)


def settings_of(settings_or_brokers: Settings | str | Iterable[str]) -> Settings:
    """Settings as given, or the environment's with these bootstrap servers (``kafka://host:9092,...``)."""
    if isinstance(settings_or_brokers, Settings):
        return settings_or_brokers
    brokers = settings_or_brokers if isinstance(settings_or_brokers, str) else ",".join(settings_or_brokers)
    return load_settings(broker=brokers)


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())


def _record_of(message: Any) -> dict[str, Any] | None:
    """The decoded record, or None for one that is no JSON (logged: the topic keeps it)."""
    try:
        return orjson.loads(message.value or b"null")
    except orjson.JSONDecodeError as exc:
        _skipped(message, exc)
        return None


def _article_of(message: Any, record: dict[str, Any]) -> EnrichedArticle | None:
    """The typed article, or None for a record of another shape (logged): only matches are validated."""
    try:
        return EnrichedArticle.model_validate(record)
    except ValidationError as exc:
        _skipped(message, exc.errors(include_url=False)[0])
        return None


def _skipped(message: Any, reason: object) -> None:
    log.warning("skipping %s/%d@%d: not an enriched article of this client's schema: %s", message.topic,
                message.partition, message.offset, reason)


def subscribe(
    settings_or_brokers: Settings | str | Iterable[str],
    *,
    country: str | Iterable[str] | None = None,
    place: str | Iterable[str] | None = None,
    entity: str | Iterable[str] | None = None,
    mentioned_only: bool = False,
    since: datetime | None = None,
    group: str | None = None,
    from_beginning: bool = False,
    max_records: int | None = None,
    idle_timeout: float | None = None,
    topic: str | None = None,
) -> Iterator[EnrichedArticle]:
    """Enriched articles matching every filter given, as they arrive.

    ``group``: a consumer group of your own, whose offsets are committed as you read, so a
    restart resumes where it stopped (without one nothing is committed). ``from_beginning``:
    where a group without committed offsets (or no group) starts; ``since``: start at the
    first record written at or after this time instead. Stops after ``max_records`` matches
    or ``idle_timeout`` seconds without a record; raises UnknownCountry for a bad country.
    """
    from streams import kafka_io

    wanted = ArticleFilter.of(country=_as_list(country), place=_as_list(place), entity=_as_list(entity),
                              mentioned_only=mentioned_only)
    settings = settings_of(settings_or_brokers)
    name = topic or settings.topic_enriched
    since_ms = round(since.astimezone(UTC).timestamp() * 1000) if since is not None else None
    consumer = kafka_io.consumer(settings, [], from_beginning=from_beginning, group=group, auto_commit=False)
    offsets = kafka_io.DoneOffsets(consumer, grouped=group is not None)
    try:
        kafka_io.start(consumer, name, grouped=group is not None, since_ms=since_ms)
        matched = 0
        for message in kafka_io.tail(consumer, idle_timeout=idle_timeout, max_records=None):
            record = _record_of(message)
            if (record is not None and (since_ms is None or message.timestamp >= since_ms) and wanted(record)
                    and (article := _article_of(message, record)) is not None):
                yield article
                matched += 1
            offsets.done(message)  # the caller came back for the next one: done with this one
            if max_records is not None and matched >= max_records:
                return
    finally:
        offsets.commit()
        consumer.close(autocommit=False)


"""The typed client on the real broker: filters, a consumer group that resumes, and ``since``."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime

import orjson
import pytest

from streams import kafka_io
from streams.client import subscribe
from streams.topics import ensure_topics
from tests.schema_check import validator

pytestmark = pytest.mark.integration


def article(article_id: str, countries: list[str], dateline: str | None = None) -> dict:
    record = copy.deepcopy(validator("enriched").schema["examples"][0])
    record["id"] = article_id
    record["countries"] = [{**record["countries"][0], "code": code} for code in countries]
    record["dateline"] = {**record["dateline"], "country": dateline} if dateline else None
    return record


def publish(settings, records: list[dict], timestamp_ms: int | None = None) -> None:
    producer = kafka_io.producer(settings)
    for record in records:
        producer.send(settings.topic_enriched, key=record["id"].encode(), value=orjson.dumps(record),
                      timestamp_ms=timestamp_ms)
    producer.flush()
    producer.close()


def test_subscribe_filters_resumes_with_its_group_and_starts_at_since(settings):
    ensure_topics(settings)
    old = int(time.time() * 1000) - 3_600_000
    publish(settings, [article("old-es", ["ES"])], timestamp_ms=old)
    publish(settings, [article("madrid", ["FR"], dateline="ES"), article("iran", ["IR"]), article("spain", ["ES"])])

    def ids(**options) -> list[str]:
        # idle_timeout: how long nothing may come before the read ends; a loaded machine needs seconds
        return sorted(a.id for a in subscribe(settings, idle_timeout=8, from_beginning=True, **options))

    assert ids(country="ES") == ["madrid", "old-es", "spain"]
    assert ids(country="es", mentioned_only=True) == ["old-es", "spain"]
    assert ids(country=["UK", "IR"]) == ["iran"]
    assert ids(since=datetime.fromtimestamp((old + 60_000) / 1000, UTC)) == ["iran", "madrid", "spain"]

    group = f"{settings.app_id}-subscriber"
    first = [a.id for a in subscribe(settings, group=group, from_beginning=True, max_records=2, idle_timeout=15)]
    rest = [a.id for a in subscribe(settings, group=group, from_beginning=True, idle_timeout=15)]
    assert len(first) == 2 and sorted(first + rest) == ["iran", "madrid", "old-es", "spain"]

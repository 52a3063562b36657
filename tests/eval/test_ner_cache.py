"""The NER cache changes no output: every labelled article, enriched with the cache (in small
batches, and again from the cache alone) gives what a run without the cache gives."""

from __future__ import annotations

import orjson

from streams.core.enrich import Enricher
from streams.core.geo import Gazetteer
from streams.core.outcomes import Incoming
from tests.conftest import SEED
from tests.eval.evaluate import SETS, load_rows

FIELDS = ("id", "title", "body", "url", "source")


def _comparable(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "enriched_at"}


def test_cached_articles_equal_fresh_ones_on_the_seed_and_every_labelled_set():
    rows = [row for path in SETS.values() for row in load_rows(path)]
    items = [Incoming(orjson.dumps({name: row[name] for name in FIELDS if row.get(name)})) for row in rows]
    items.append(Incoming(orjson.dumps({"id": "seed", "title": "Seed", "body": SEED.read_text(encoding="utf-8")})))
    gazetteer = Gazetteer.load()
    fresh_enricher = Enricher(gazetteer=gazetteer, ner_cache_bytes=0)
    fresh = [_comparable(o.record) for o in fresh_enricher.enrich_batch(items).outcomes]
    cached_enricher = Enricher(nlp=fresh_enricher.nlp, gazetteer=gazetteer)
    order = list(range(len(items)))[::-1]  # another order and other batches than the fresh run's
    cached: dict[int, dict] = {}
    for start in range(0, len(order), 7):
        part = order[start : start + 7]
        for index, outcome in zip(part, cached_enricher.enrich_batch([items[i] for i in part]).outcomes, strict=True):
            cached[index] = _comparable(outcome.record)
    again = cached_enricher.enrich_batch(items)
    assert again.ner_cache["miss"] == 0 and again.ner_cache["hit"] > 5 * len(items)
    assert len(fresh) == len(rows) + 1 and all(o.ok for o in again.outcomes)
    for index, expected in enumerate(fresh):
        assert cached[index] == expected, items[index].value[:80]
        assert _comparable(again.outcomes[index].record) == expected, items[index].value[:80]

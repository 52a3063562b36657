"""The NER cache never changes a result: cached articles get the entities of a fresh run.

Over the seed article and every evaluation set (English, French and the others), a long
article cut in pieces and syndicated copies (new headline and intro, the same paragraphs).
"""

from __future__ import annotations

import orjson
import pytest

from streams.core.enrich import Enricher
from streams.core.nlp import MAX_PIECE_CHARS
from streams.core.outcomes import Incoming
from tests.conftest import ROOT, SEED

SETS = sorted((ROOT / "tests" / "eval").glob("*.jsonl"))
RAW_FIELDS = ("id", "title", "body", "url", "source", "published_at", "language")
#: What NER decides in a record: the rest (times) may differ between two runs.
COMPARED = ("entities", "countries", "places", "dateline", "analysis", "pipeline")


@pytest.fixture(scope="module")
def fresh():
    return Enricher(ner_cache_bytes=0, preload=["fr"])


@pytest.fixture
def cached(fresh):
    return Enricher(nlp=fresh.nlp, gazetteer=fresh.gazetteer, models={"fr": fresh._pipeline("fr")})


def articles() -> list[dict]:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    found = [{"id": "seed", "title": title, "body": body}]
    for path in SETS:
        rows = [orjson.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        found += [{name: row[name] for name in RAW_FIELDS if name in row}  # labels left out
                  for row in rows if "body" in row]  # the sets of articles (not dev_fr_datelines' openings)
    long_body = "\n\n".join([body] * (3 * MAX_PIECE_CHARS // len(body) + 1) + ["x" * (MAX_PIECE_CHARS + 10)])
    return [*found, {"id": "long", "title": title, "body": long_body}]


def syndicated(article: dict, outlet: int) -> dict:
    """Another outlet's copy: its headline and first paragraph changed, its boilerplate added."""
    paragraphs = (article.get("body") or "").split("\n\n")
    intro = f"(Outlet {outlet}) {paragraphs[0][:80]}, the agency reported from Geneva."
    return {**article, "id": f"{article.get('id')}-copy-{outlet}", "title": f"Outlet {outlet}: {article.get('title')}",
            "body": "\n\n".join([intro, *paragraphs[1:], f"Distributed by Newswire {outlet} for its members."])}


def enrich(enricher: Enricher, batch: list[dict]) -> list[dict]:
    outcomes = [enricher.enrich_batch([Incoming(orjson.dumps(a)) for a in batch[i : i + 32]]).outcomes
                for i in range(0, len(batch), 32)]
    return [{name: o.record.get(name) for name in COMPARED} for part in outcomes for o in part]


def test_cached_articles_get_the_entities_of_a_fresh_run(fresh, cached):
    batch = articles()
    copies = [syndicated(a, outlet) for outlet in (1, 2) for a in batch]
    expected = enrich(fresh, batch + copies)
    assert enrich(cached, batch) == expected[: len(batch)]  # cold: every paragraph a miss
    english, french = cached.ner_cache("en"), cached.ner_cache("fr")
    assert english.misses and french.misses
    assert enrich(cached, batch + copies) == expected  # warm: the same articles, then their copies
    assert english.hits >= english.misses and french.hits >= french.misses
    assert all(record["entities"] is not None for record in expected)  # no dead letters
    assert any(record["entities"] for record in expected)


def test_each_language_model_has_its_own_cache(cached):
    assert cached.ner_cache("en").identity != cached.ner_cache("fr").identity
    assert cached.ner_cache("de") is None  # no NER pipeline for it

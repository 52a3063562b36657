"""enrich_batch: every record in comes out once, enriched or dead-lettered, and matches its schema."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.core.enrich import Enricher
from streams.core.nlp import MAX_PIECE_CHARS
from streams.core.outcomes import Incoming
from streams.core.records import SourceOffset
from tests.conftest import SEED
from tests.schema_check import assert_valid
from tests.strategies import raw_values


@pytest.fixture(scope="module")
def enricher():
    return Enricher(max_record_bytes=4096)


def seed_article() -> dict:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    return {"id": "seed", "title": title, "body": body}


def check(report, items):
    assert len(report.outcomes) == len(items)
    for outcome in report.outcomes:
        assert_valid("enriched" if outcome.ok else "dead", outcome.record)


def test_seed_article(enricher):
    outcome = Enricher(max_record_bytes=1 << 20, nlp=enricher.nlp, gazetteer=enricher.gazetteer).enrich_article(
        seed_article()
    )
    assert outcome.ok and outcome.key == "seed"
    record = outcome.record
    assert_valid("enriched", record)
    names = {(e["text"], e["label"]) for e in record["entities"]}
    assert ("Vladimir Putin", "PERSON") in names and ("Tehran", "GPE") in names
    assert {"RU", "IR", "TR", "SY", "US"} <= {c["code"] for c in record["countries"]}
    assert record["dateline"]["location"] == "Islamabad"
    assert "Please enter your comment" not in record["text"]
    for entity in record["entities"]:
        for mention in entity["mentions"]:
            assert record["text"][mention["start"] : mention["end"]] == mention["text"]
    for tag in record["countries"]:
        for evidence in tag["evidence"]:
            assert record["text"][evidence["start"] : evidence["end"]] == evidence["text"]
    # the places no one country holds make no place with a country, nor a tag
    assert {p["name"] for p in record["world_places"]} >= {"Black Sea", "Asia"}
    assert not {p["name"] for p in record["places"]} & {"Black Sea", "Asia"}
    for place in record["world_places"]:
        for mention in place["mentions"]:
            assert record["text"][mention["start"] : mention["end"]] == mention["text"]


def test_a_bad_record_does_not_spoil_its_batch(enricher):
    items = [
        Incoming(orjson.dumps({"title": "Floods in Kenya", "body": "Nairobi was hit."}), SourceOffset("raw", 0, 1)),
        Incoming(b"\xff", SourceOffset("raw", 0, 2)),
        Incoming(b"x" * 5000, SourceOffset("raw", 0, 3)),
        Incoming(orjson.dumps({"title": "Talks in Berlin"}), SourceOffset("raw", 0, 4)),
    ]
    report = enricher.enrich_batch(items)
    check(report, items)
    assert [o.error for o in report.outcomes] == [None, "invalid_utf8", "too_large", None]
    assert report.outcomes[2].record["payload_truncated"] is True
    assert set(report.seconds) == {"clean", "ner", "tag", "total"}


def test_text_spacy_refuses_is_dead_lettered_not_raised(enricher, monkeypatch):
    monkeypatch.setattr(enricher.nlp, "max_length", 5_000)  # shorter than a piece: spaCy refuses it
    big = Enricher(max_record_bytes=3_000_000, nlp=enricher.nlp, gazetteer=enricher.gazetteer)
    items = [
        Incoming(orjson.dumps({"title": "Long", "body": "word " * 1_800})),
        Incoming(orjson.dumps({"title": "Short story from Peru"})),
    ]
    report = big.enrich_batch(items)
    assert [o.error for o in report.outcomes] == ["enrichment_failed", None]
    assert "NER failed" in report.outcomes[0].record["error"]["reason"]


def test_a_text_longer_than_spacy_takes_at_once_is_enriched_in_pieces(enricher, monkeypatch):
    # spaCy refuses texts over nlp.max_length (1,000,000 characters); pieces never reach it
    monkeypatch.setattr(enricher.nlp, "max_length", MAX_PIECE_CHARS)
    body = "word " * 6_000 + "\n\nProtesters marched in Nairobi on Friday."
    big = Enricher(max_record_bytes=3_000_000, nlp=enricher.nlp, gazetteer=enricher.gazetteer)
    (outcome,) = big.enrich_batch([Incoming(orjson.dumps({"title": "Long", "body": body}))]).outcomes
    assert outcome.ok
    text = outcome.record["text"]
    assert len(text) > 3 * MAX_PIECE_CHARS
    (nairobi,) = [m for e in outcome.record["entities"] for m in e["mentions"] if m["text"] == "Nairobi"]
    assert text[nairobi["start"] : nairobi["end"]] == "Nairobi" and nairobi["start"] > 3 * MAX_PIECE_CHARS
    assert "KE" in [c["code"] for c in outcome.record["countries"]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(raw_values, max_size=6))
def test_anything_in_comes_out_once_and_valid(enricher, values):
    items = [Incoming(value, SourceOffset("raw", 0, i)) for i, value in enumerate(values)]
    report = enricher.enrich_batch(items)
    check(report, items)
    for item, outcome in zip(items, report.outcomes, strict=True):
        assert outcome.record["source_offset"]["offset"] == item.source.offset


def test_a_scraped_title_loses_its_html_and_entities_in_the_enriched_record(enricher):
    outcome = enricher.enrich_article({"title": "<h1>Japan&#39;s exports &amp; imports</h1>", "body": "Trade grew."})
    assert outcome.record["title"] == "Japan's exports & imports"
    assert outcome.record["text"].startswith("Japan's exports & imports\n\n")


def test_a_syndicated_copy_reads_only_its_new_paragraphs_and_gives_the_same_record(enricher):
    """The cache changes no output: a copy with a new headline and intro is enriched as without it."""
    fresh = Enricher(max_record_bytes=1 << 20, nlp=enricher.nlp, gazetteer=enricher.gazetteer, ner_cache_bytes=0)
    cached = Enricher(max_record_bytes=1 << 20, nlp=enricher.nlp, gazetteer=enricher.gazetteer)
    seed = seed_article()
    copy = {"id": "copy", "title": "Russia and Iran deepen ties, says ministry",
            "body": f"From our wire partners.\n\n{seed['body']}\n\nLeave a comment. You must be logged in to post."}
    first = cached.enrich_batch([Incoming(orjson.dumps(seed))])
    second = cached.enrich_batch([Incoming(orjson.dumps(copy))])
    assert first.ner_cache["hit"] == 0 and first.ner_cache["miss"] > 10
    assert second.ner_cache["miss"] == 2 and second.ner_cache["hit"] == first.ner_cache["miss"] - 1
    assert 0 < second.ner_cache["bytes"] <= cached.ner_cache.max_bytes
    for article, report in ((seed, first), (copy, second)):
        expected = fresh.enrich_batch([Incoming(orjson.dumps(article))]).outcomes[0].record
        got = report.outcomes[0].record
        assert {k: v for k, v in got.items() if k != "enriched_at"} == {
            k: v for k, v in expected.items() if k != "enriched_at"}
    assert fresh.ner_cache is None and fresh.enrich_batch([Incoming(b"{}")]).ner_cache == {}


@pytest.mark.parametrize("water", ["Strait of Taiwan", "Indian Ocean", "Gulf of America", "Gulf of Finland",
                                   "Irish Sea", "Mozambique Channel", "Strait of Gibraltar"])
def test_a_water_named_after_a_country_is_a_world_place_and_tags_no_country(enricher, water):
    body = f"Ships were seen in the {water} on Monday."
    record = enricher.enrich_article({"id": "w", "title": "Ships", "body": body}).record
    assert [p["name"] for p in record["world_places"]] and record["countries"] == [] and record["places"] == []


def test_the_enriched_record_carries_the_feature_with_near_and_no_new_country(enricher):
    body = ("MOSCOW, Idaho — Crews cleared debris from Paradise Creek on Tuesday after a storm hit Moscow "
            "and nearby Pullman, Washington.")
    record = enricher.enrich_article({"id": "pc", "title": "Storm cleanup", "body": body}).record
    creek = next(p for p in record["places"] if p["name"] == "Paradise Creek")
    assert creek["near"]["name"] in {"Moscow", "Pullman"} and creek["geonameid"] is None and creek["country"] == "US"
    assert [c["code"] for c in record["countries"]] == ["US"]

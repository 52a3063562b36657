"""The live page's state, from records alone: window counts, latest articles, highlights, bounds."""

from __future__ import annotations

import orjson
import pytest

from streams.core.page import BadPageInput, PageState, mention_spans, segments

T0 = 1_714_564_800_000  # 2024-05-01T12:00:00Z, a window start for any size dividing an hour
TEXT = "Putin meets Khamenei in Tehran. Iran says 2 sides agree."


def span(word: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return {"text": word, "start": start, "end": start + len(word)}


def record(article_id: str = "a1", t_ms: int = T0 + 1000, **extra) -> dict:
    base = {
        "id": article_id, "title": f"Title {article_id}", "text": TEXT, "source": "Wire", "content_hash": "h1",
        "enriched_at": "2024-05-01T12:00:01Z",
        "source_offset": {"topic": "articles.raw", "partition": 0, "offset": 1, "timestamp_ms": t_ms},
        "entities": [
            {"text": "Vladimir Putin", "label": "PERSON", "count": 1, "first": 0, "mentions": [span("Putin")]},
            {"text": "Tehran", "label": "GPE", "count": 1, "first": 24, "mentions": [span("Tehran")]},
            {"text": "2", "label": "CARDINAL", "count": 1, "first": 42, "mentions": [span("2")]},
        ],
        "countries": [{"code": "RU", "name": "Russia", "count": 1, "focus": False},
                      {"code": "IR", "name": "Iran", "count": 2, "focus": True}],
        "places": [
            {"geonameid": 112931, "name": "Tehran", "feature": "capital", "lat": 35.69, "lon": 51.42, "country": "IR",
             "count": 1, "mentions": [span("Tehran")]},
            {"geonameid": 130758, "name": "Iran", "feature": "country", "lat": 32.0, "lon": 53.0, "country": "IR",
             "count": 1, "mentions": [span("Iran")]},
        ],
    }
    return base | extra


def test_an_article_counts_its_countries_and_places_in_the_current_window():
    state = PageState(window_size=900)
    state.add_enriched(record(), T0 + 2000)
    snap = state.snapshot(T0 + 3000)
    assert snap["countries"] == {"IR": 1, "RU": 1}
    assert snap["names"] == {"IR": "Iran", "RU": "Russia"}
    assert snap["window"] == {"start": "2024-05-01T12:00:00Z", "end": "2024-05-01T12:15:00Z", "seconds": 900,
                              "articles": 1}
    # countries are shaded, not dotted: only Tehran is a dot
    assert [(p["geonameid"], p["count"], p["lat"]) for p in snap["places"]] == [("112931", 1, 35.69)]
    (row,) = snap["articles"]
    assert row["id"] == "a1" and row["countries"] == ["IR", "RU"]  # focus first
    assert [e["text"] for e in row["entities"]] == ["Vladimir Putin", "Tehran"]  # no numbers or dates
    assert [e["key"] for e in snap["top_entities"]] == ["Tehran", "Vladimir Putin"]
    orjson.dumps(snap)  # JSON-ready


def test_a_replayed_article_counts_once_and_moves_to_the_top():
    state = PageState(window_size=900)
    state.add_enriched(record("a1"), T0 + 1000)
    state.add_enriched(record("a2", countries=[{"code": "FR", "name": "France", "count": 1}]), T0 + 2000)
    state.add_enriched(record("a1"), T0 + 3000)
    snap = state.snapshot(T0 + 4000)
    assert snap["countries"] == {"IR": 1, "RU": 1, "FR": 1}
    assert [a["id"] for a in snap["articles"]] == ["a1", "a2"]


def test_the_window_rolls_over_and_late_articles_are_listed_but_not_counted():
    state = PageState(window_size=900)
    state.add_enriched(record("a1"), T0 + 1000)
    assert state.snapshot(T0 + 900_000)["countries"] == {}  # a new window, empty
    state.add_enriched(record("late", t_ms=T0 + 5000), T0 + 901_000)
    snap = state.snapshot(T0 + 902_000)
    assert snap["countries"] == {} and snap["places"] == []
    assert [a["id"] for a in snap["articles"]] == ["late", "a1"]
    state.add_enriched(record("early", t_ms=T0 + 3_600_000), T0 + 903_000)  # a clock ahead moves no window
    assert state.snapshot(T0 + 904_000)["window"]["start"] == "2024-05-01T12:15:00Z"


def test_state_is_bounded():
    state = PageState(window_size=900, latest=5, series_seconds=10)
    for i in range(50):
        state.add_enriched(record(f"a{i}"), T0 + i * 1000)
        state.add_dead_letter(T0 + i * 1000)
    snap = state.snapshot(T0 + 50_000)
    assert [a["id"] for a in snap["articles"]] == ["a49", "a48", "a47", "a46", "a45"]
    assert state.article("a0") is None and state.article("a49") is not None
    assert len(state.enriched_per_second) <= 10 and len(snap["figures"]["enriched_per_second"]) == 10
    assert snap["figures"]["enriched_total"] == 50 and snap["figures"]["dead_total"] == 50
    assert snap["window"]["articles"] == 50  # the window counts every article in it, listed or not


def test_highlights_follow_the_records_offsets_and_merge_entity_and_place():
    spans = mention_spans(record())
    assert [(TEXT[s["start"]:s["end"]], s["labels"], s["geonameid"]) for s in spans] == [
        ("Putin", ["PERSON"], None), ("Tehran", ["GPE", "place"], 112931), ("Iran", ["place"], 130758)]
    pieces = segments(TEXT, spans)
    assert "".join(p["text"] for p in pieces) == TEXT
    assert [p["text"] for p in pieces if "labels" in p] == ["Putin", "Tehran", "Iran"]


def test_wrong_offsets_are_not_highlighted_and_overlaps_keep_the_first():
    bad = record(entities=[{"text": "X", "label": "ORG", "count": 1, "first": 0,
                            "mentions": [{"text": "Nope", "start": 0, "end": 4}, {"start": 50, "end": 999},
                                         {"start": "0", "end": 3}]}], places=[])
    assert mention_spans(bad) == []
    overlapping = [{"start": 0, "end": 10, "labels": ["ORG"], "geonameid": None},
                   {"start": 6, "end": 14, "labels": ["PERSON"], "geonameid": None}]
    assert [p["text"] for p in segments(TEXT, overlapping)] == [TEXT[:10], TEXT[10:]]


def test_article_text_is_data_not_markup():
    body = "<script>alert(1)</script> & <b>bold</b>"
    state = PageState(window_size=900)
    state.add_enriched(record("x", title=body, text=body, entities=[], places=[]), T0 + 1000)
    detail = state.article("x")
    assert detail["title"] == body and "".join(p["text"] for p in detail["segments"]) == body


@pytest.mark.parametrize("bad", [None, "text", {}, {"id": "a"}, {"id": "a", "source_offset": {}},
                                 {"id": "a", "countries": "IR", "source_offset": {"timestamp_ms": T0}}])
def test_a_bad_record_is_refused_and_changes_nothing(bad):
    state = PageState(window_size=900)
    state.add_enriched(record("ok"), T0 + 1000)
    before = state.snapshot(T0 + 2000)
    with pytest.raises(BadPageInput):
        state.add_enriched(bad, T0 + 2000)
    after = state.snapshot(T0 + 2000)
    assert after["articles"] == before["articles"] and after["countries"] == before["countries"]
    assert state.skipped_total == 1

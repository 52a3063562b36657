"""The NER cache per paragraph: bounded by bytes, least recently used out first, exact values."""

from __future__ import annotations

import threading

import pytest

from streams.core.ner_cache import ENTRY_BYTES, MENTION_BYTES, ParagraphCache, entry_bytes


def test_a_kept_paragraph_comes_back_as_it_was_put():
    cache = ParagraphCache(10_000)
    key = cache.key("en_core_web_sm-3.8.0", "Macron met Scholz in Berlin.")
    assert cache.get(key) is None
    spans = [("PERSON", 0, 6), ("PERSON", 11, 17), ("GPE", 21, 27)]
    cache.put(key, spans)
    assert cache.get(key) == spans
    assert cache.stats() == {"hit": 1, "miss": 1, "bytes": ENTRY_BYTES + 3 * MENTION_BYTES, "entries": 1}


def test_keys_depend_on_the_pipeline_and_the_text():
    keys = {ParagraphCache.key(identity, text) for identity in ("en", "fr") for text in ("Paris.", "Paris. ")}
    assert len(keys) == 4 and all(len(key) == 16 for key in keys)
    assert ParagraphCache.key("en", "\ud800 lone surrogate")  # any str, as JSON can carry


def test_a_paragraph_without_mentions_is_kept_too():
    cache = ParagraphCache(1_000)
    cache.put(b"k" * 16, [])
    assert cache.get(b"k" * 16) == []


def test_the_bound_holds_and_the_least_recently_used_go_first():
    one = [("GPE", 0, 5)]
    cache = ParagraphCache(3 * entry_bytes(one))
    for name in (b"a", b"b", b"c"):
        cache.put(name * 16, one)
    assert cache.get(b"a" * 16) == one  # a is now the most recently used
    cache.put(b"d" * 16, one)
    assert cache.get(b"b" * 16) is None
    assert [cache.get(n * 16) for n in (b"a", b"c", b"d")] == [one] * 3
    assert cache.bytes == 3 * entry_bytes(one) and len(cache) == 3
    cache.put(b"c" * 16, one * 2)  # replaced: counted once, with its new size
    assert cache.bytes <= cache.max_bytes and cache.get(b"c" * 16) == one * 2


def test_an_entry_larger_than_the_bound_is_not_kept_and_zero_keeps_nothing():
    cache = ParagraphCache(entry_bytes([("GPE", 0, 1)] * 3))
    cache.put(b"x" * 16, [("GPE", 0, 1)] * 4)
    assert len(cache) == 0
    nothing = ParagraphCache(0)
    nothing.put(b"y" * 16, [])
    assert len(nothing) == 0 and nothing.bytes == 0
    with pytest.raises(ValueError, match=">= 0"):
        ParagraphCache(-1)


def test_offsets_beyond_64_kib_and_many_labels_survive_packing():
    cache = ParagraphCache(1 << 20)
    spans = [(f"LABEL{i}", 70_000 + i, 70_010 + i) for i in range(200)]
    cache.put(b"z" * 16, spans)
    assert cache.get(b"z" * 16) == spans


def test_the_count_is_an_upper_bound_of_the_memory_held():
    """What the cache counts covers what Python holds for it (tracemalloc), so the bound is real."""
    import tracemalloc

    tracemalloc.start()
    cache = ParagraphCache(1 << 30)
    before = tracemalloc.get_traced_memory()[0]
    for i in range(5_000):
        cache.put(cache.key("en", f"paragraph {i}"), [("GPE", j, j + 5) for j in range(i % 6)])
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert held <= cache.bytes


def test_threads_may_share_it():
    cache = ParagraphCache(50 * entry_bytes([("GPE", 0, 1)]))

    def work(n: int) -> None:
        for i in range(2_000):
            key = bytes([n, i % 200]) * 8
            if cache.get(key) is None:
                cache.put(key, [("GPE", 0, 1)])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = cache.stats()
    assert stats["hit"] + stats["miss"] == 8_000 and cache.bytes <= cache.max_bytes and len(cache) <= 50

"""The gazetteer's disk cache: a hit skips the build, a stale or corrupt file is rebuilt."""

from __future__ import annotations

import pickle

from streams.core.geo import cache


class Builds:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def __call__(self):
        self.calls += 1
        return self.value


def test_hit_skips_the_build(tmp_path):
    build = Builds({"a": 1})
    assert cache.load_or_build(build, "k1", tmp_path) == {"a": 1}
    assert cache.load_or_build(build, "k1", tmp_path) == {"a": 1}
    assert build.calls == 1
    assert [p.name for p in tmp_path.iterdir()] == ["gazetteer-k1.pickle"]  # no temporary file left


def test_stale_key_is_rebuilt(tmp_path):
    cache.load_or_build(Builds("old"), "k1", tmp_path)
    build = Builds("new")
    assert cache.load_or_build(build, "k2", tmp_path) == "new" and build.calls == 1
    # a file whose content carries another key than its name says is not trusted either
    (tmp_path / "gazetteer-k3.pickle").write_bytes(pickle.dumps(("other", "wrong")))
    assert cache.load_or_build(Builds("right"), "k3", tmp_path) == "right"


def test_corrupt_file_is_rebuilt_and_replaced(tmp_path):
    (tmp_path / "gazetteer-k1.pickle").write_bytes(b"\x80\x05not a pickle")
    build = Builds([1, 2])
    assert cache.load_or_build(build, "k1", tmp_path) == [1, 2] and build.calls == 1
    assert cache.load_or_build(build, "k1", tmp_path) == [1, 2] and build.calls == 1  # the rebuild was written


def test_unwritable_directory_only_costs_the_build(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    build = Builds("v")
    assert cache.load_or_build(build, "k1", blocker / "sub") == "v"
    assert cache.load_or_build(build, "k1", blocker / "sub") == "v" and build.calls == 2


def test_key_follows_the_city_table_and_format(monkeypatch):
    key = cache.cache_key(5000)
    assert key == cache.cache_key(5000) and key != cache.cache_key(1000)
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert cache.cache_key(5000) != key


def test_directory_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSSTREAM_CACHE_DIR", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("NEWSSTREAM_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "newsstream"


def test_cached_gazetteer_equals_a_fresh_build(tmp_path):
    from streams.core.geo import Gazetteer

    built = Gazetteer.build()
    loaded = cache.load_or_build(lambda: built, "g", tmp_path)
    again = cache.load_or_build(lambda: None, "g", tmp_path)
    assert again is not loaded and again.places == built.places and again.demonyms == built.demonyms
    assert again.lookup("Athens") == built.lookup("Athens")
    assert list(again.scanner.finditer("Talks in Iran and Papua New Guinea")) == list(
        built.scanner.finditer("Talks in Iran and Papua New Guinea")
    )

"""The soak's RSS bookkeeping: a process's start is its RSS once settled, its end the last sample."""

from __future__ import annotations

import os

from streams.bench import soak


def test_rss_start_is_taken_once_the_process_settled_and_end_is_the_latest(monkeypatch):
    readings = iter([12.0, 200.0, 250.0, 300.0, 310.0])  # 12 MB: still starting, no model yet
    monkeypatch.setattr(soak, "rss_mb", lambda pid: next(readings))
    lives: dict[int, list[float]] = {}
    for now in (0.0, 40.0, 41.0, 40.0 + soak.SETTLE, 200.0):
        soak.sample([7], lives, now)
    assert soak.rss_span(lives[7]) == (300.0, 310.0)


def test_a_process_that_died_young_has_its_last_sample_as_start(monkeypatch):
    monkeypatch.setattr(soak, "rss_mb", lambda pid: 150.0)
    lives: dict[int, list[float]] = {}
    soak.sample([8], lives, 0.0)
    assert soak.rss_span(lives[8]) == (150.0, 150.0)


def test_rss_of_this_process_is_read_and_of_no_process_is_none():
    assert soak.rss_mb(os.getpid()) > 0
    assert soak.rss_mb(2**22 + 12345) is None

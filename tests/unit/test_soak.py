"""The soak run's pure parts: which articles a restart touched, memory per process life, the report."""

from __future__ import annotations

import os
import subprocess
import sys

from streams.bench.soak import WARM_UP, Life, SoakResult, outside_restarts, report, rss_mb, slot_of


def test_articles_in_flight_at_a_kill_or_sent_just_after_it_are_left_out():
    sent = {"before": 0.0, "in-flight": 99.0, "after": 101.0, "later": 150.0, "unread": 160.0}
    read = {"before": 0.5, "in-flight": 130.0, "after": 135.0, "later": 150.4}
    kept, left_out = outside_restarts(sent, read, kills=[100.0], window=40.0)
    assert sorted(round(k, 2) for k in kept) == [0.4, 0.5]
    assert left_out == 2  # the unread one is lost, not a latency


def test_a_life_starts_after_its_warm_up_and_drifts_from_there():
    life = Life(slot=0, pid=1, first_seen=0.0,
                samples=[(1.0, 150.0), (WARM_UP, 300.0), (WARM_UP + 60, 310.0), (WARM_UP + 600, 315.0)])
    assert (life.start_mb, life.end_mb, life.seconds) == (300.0, 315.0, WARM_UP + 600)
    assert round(life.drift, 3) == 0.05
    short = Life(slot=1, pid=2, first_seen=0.0, samples=[(5.0, 200.0)])
    assert short.start_mb is None and short.drift is None


def test_the_report_says_what_was_lost_duplicated_and_how_memory_moved():
    lives = [Life(0, 10, 0.0, [(WARM_UP, 300.0), (600.0, 320.0)]),
             Life(1, 11, 0.0, [(WARM_UP, 300.0), (120.0, 305.0)]),
             Life(1, 12, 120.0, [(125.0, 150.0)])]
    result = SoakResult(minutes=10, rate=5.0, sent=3000, read=3012, distinct=3000, kills=[120.0],
                        latencies=[0.2] * 99 + [0.9], left_out=200, lives=lives)
    rows = {name.split(" (")[0]: (measured, met) for name, measured, _, met in report(result)}
    assert rows["articles lost"] == ("0 of 3000", True)
    assert rows["duplicates"] == ("12", True)
    assert rows["latency outside restarts"] == ("p50 0.20 s, p99 0.90 s", True)
    assert rows["RSS drift of the processes that lived through the run"] == ("+6.7%", True)
    assert rows["  slot 1 worker, pid 12: 5 s"][0].startswith("RSS at end 150 MB")
    lost = SoakResult(10, 5.0, 3000, 2999, 2999, [], [0.2], 0, lives[:1])
    assert report(lost)[0][1:] == ("1 of 3000", "0", False)


def test_a_worker_process_is_found_by_its_metrics_port():
    child = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                             env={**os.environ, "NEWSSTREAM_METRICS_PORT": "9466"}, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"up\n"  # running its own program, with its own environment
        assert slot_of(child.pid, 9464) == 2
        assert rss_mb(child.pid) > 0
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert slot_of(child.pid, 9464) is None and rss_mb(child.pid) is None

"""`newsstream bench --soak MINUTES`: two worker processes at half their measured rate, one
killed with SIGKILL every two minutes; lost and duplicated articles, latency outside the
restarts, and each process's RSS at the start and the end of its life.

Why a soak: a benchmark of minutes shows neither a slow leak nor what a crash costs; lost
must be 0 (at-least-once), duplicates are the price of the replays. Not part of the tests.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from streams.bench.runs import (
    Reader,
    even_partitions,
    fresh_settings,
    percentile,
    send_to,
    start_workers,
    through_broker,
)
from streams.config import Settings

KILL_EVERY = 120.0
#: Seconds after a kill whose sends are left out of the latency figures (rebalance, reload, replay).
RESTART_WINDOW = 30.0
PROCESSES = 2
#: Seconds after its model is in memory (RSS over ``LOADED_MB``) at which a process's RSS counts
#: as its start: a restarted process first waits out the supervisor's backoff, then loads the model.
SETTLE = 30.0
LOADED_MB = 150.0


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def soak(base: Settings, articles: list[dict], minutes: float, workdir: Path, say: Callable[[str], None]) -> dict:
    """Run the soak; returns (and says) its figures."""
    from streams import kafka_io
    from streams.topics import ensure_topics

    burst, _, _ = through_broker(base, articles, PROCESSES, nlp=True, workdir=workdir)
    rate = burst.articles_per_second / 2
    say(f"measured {burst.articles_per_second:.1f} articles/s with {PROCESSES} processes: soaking at {rate:.1f}/s "
        f"for {minutes:g} min, a SIGKILL every {KILL_EVERY:.0f} s")
    settings = fresh_settings(base, "soak")
    ensure_topics(settings)
    workers = start_workers(settings, PROCESSES, nlp=True, log_path=workdir / f"{settings.app_id}.log",
                            ner_cache=True)  # as deployed: its memory is part of what the soak watches
    lives: dict[int, list[float]] = {}  # pid -> [first seen, RSS once settled, last RSS]
    kills: list[float] = []
    counts: Counter[str] = Counter()
    try:
        workers.wait_ready(180)
        reader = Reader(kafka_io.consumer(settings, [settings.topic_enriched], from_beginning=True))
        original_poll = reader.consumer.poll

        def poll(**kwargs):  # count every read, duplicates included
            found = original_poll(**kwargs)
            for records in found.values():
                counts.update(record.key.decode() for record in records)
            return found

        reader.consumer.poll = poll
        reader.poll(0.5)
        producer = kafka_io.producer(settings)
        plan = even_partitions(articles, settings.topic_partitions)
        started = time.perf_counter()
        next_kill, next_sample, index = started + KILL_EVERY, started, 0
        while time.perf_counter() - started < minutes * 60:
            now = time.perf_counter()
            if now >= next_sample:
                sample(workers.children(), lives, now)
                next_sample = now + 1.0
            if now >= next_kill and (children := workers.children()):
                victim = children[len(kills) % len(children)]
                os.kill(victim, signal.SIGKILL)
                kills.append(now)
                say(f"{now - started:.0f} s: SIGKILL to process {victim}")
                next_kill += KILL_EVERY
            article = {**articles[index % len(articles)], "id": f"soak-{index}"}
            reader.sent(article["id"])
            send_to(producer, settings, article, plan[index % len(articles)])
            producer.flush()
            index += 1
            while (delay := started + index / rate - time.perf_counter()) > 0:
                reader.poll(min(delay, 0.5))
        producer.close()
        deadline = time.monotonic() + 300
        while reader.pending and time.monotonic() < deadline:
            reader.poll(0.5)
        sample(workers.children(), lives, time.perf_counter())
        reader.consumer.close()
    finally:
        workers.stop(40)
    calm = [read - reader.sent_at[article_id] for article_id, read in reader.read_at.items()
            if not any(k <= reader.sent_at[article_id] < k + RESTART_WINDOW for k in kills)]
    result = {"sent": index, "lost": len(reader.pending), "duplicates": sum(n - 1 for n in counts.values() if n > 1),
              "kills": len(kills), "p50": percentile(calm, 50), "p99": percentile(calm, 99), "rate": rate,
              "rss": {pid: rss_span(v) for pid, v in lives.items()}}
    say(f"sent {result['sent']}, lost {result['lost']}, duplicates {result['duplicates']}, kills {len(kills)}; "
        f"latency outside restarts ({len(calm)} articles) p50 {result['p50']:.2f} s, p99 {result['p99']:.2f} s")
    for pid, (first, last) in result["rss"].items():
        say(f"process {pid}: RSS {first:.0f} MB at start ({SETTLE:.0f} s after its model loaded), {last:.0f} MB at end "
            f"({last / first - 1:+.1%})")
    return result


def sample(pids: list[int], lives: dict[int, list[float]], now: float) -> None:
    """Each process's RSS: the first sample once it is ``SETTLE`` seconds old (model loaded, first
    batches done), and the latest."""
    for pid in pids:
        if (rss := rss_mb(pid)) is None:
            continue
        life = lives.setdefault(pid, [float("inf"), 0.0, rss])
        if rss >= LOADED_MB:
            life[0] = min(life[0], now)
        if not life[1] and now - life[0] >= SETTLE:
            life[1] = rss
        life[2] = rss


def rss_span(life: list[float]) -> tuple[float, float]:
    """(start, end) RSS of a life from ``sample``; one that died before settling starts at its last sample."""
    return life[1] or life[2], life[2]

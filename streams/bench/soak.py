"""`newsstream bench --soak MINUTES`: two worker processes under steady load, one killed again and again.

What it proves: under at-least-once delivery a `kill -9` loses nothing (every article sent
is read back enriched), costs only duplicates, leaves the latency of the articles it does not
touch alone, and memory stays flat over a long run. Slot 1's worker is killed (SIGKILL) every
``kill_every`` seconds (its core process dies with it) and the supervisor starts it again;
slot 0 lives through the whole run, so its memory (worker and core) at the start and the end
of the run is the drift.

An article is *inside a restart* when it was in flight at a kill (sent before, read after) or
sent during the ``RESTART_WINDOW`` seconds after one; the latency figures leave those out and
say how many they left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from streams.bench.runs import fresh_settings, percentile, start_workers, worker_tree
from streams.config import Settings

#: Seconds after a kill during which sent articles count as inside the restart: the slot's new
#: process loads its model (about 10 s) and the group rebalances before its partitions move again.
RESTART_WINDOW = 40.0
#: Seconds of a process's life before its memory counts as its start: the model is loaded and
#: the first batches have grown spaCy's and the client's buffers to their working size.
WARM_UP = 30.0
#: Seconds between memory samples.
SAMPLE_EVERY = 2.0


@dataclass
class Life:
    """One process in one slot (the worker, or its core process), from its first memory sample to its last."""

    slot: int
    pid: int
    first_seen: float
    samples: list[tuple[float, float]] = field(default_factory=list)  # (monotonic seconds, RSS MB)
    role: str = "worker"

    @property
    def start_mb(self) -> float | None:
        """RSS at the first sample ``WARM_UP`` seconds into its life, None for a life shorter than that."""
        return next((mb for at, mb in self.samples if at - self.first_seen >= WARM_UP), None)

    @property
    def end_mb(self) -> float | None:
        return self.samples[-1][1] if self.samples else None

    @property
    def seconds(self) -> float:
        return self.samples[-1][0] - self.first_seen if self.samples else 0.0

    @property
    def drift(self) -> float | None:
        start, end = self.start_mb, self.end_mb
        return None if start is None or end is None else end / start - 1


@dataclass
class SoakResult:
    minutes: float
    rate: float
    sent: int
    read: int
    distinct: int
    kills: list[float]
    latencies: list[float]
    left_out: int
    lives: list[Life]

    @property
    def lost(self) -> int:
        return self.sent - self.distinct

    @property
    def duplicates(self) -> int:
        return self.read - self.distinct


def outside_restarts(sent_at: dict[str, float], read_at: dict[str, float], kills: list[float],
                     window: float = RESTART_WINDOW) -> tuple[list[float], int]:
    """(latencies of the articles read that no restart touched, how many were left out)."""
    kept, left_out = [], 0
    for key, sent in sent_at.items():
        read = read_at.get(key)
        if read is None:
            continue
        if any(sent < kill < read or kill <= sent < kill + window for kill in kills):
            left_out += 1
        else:
            kept.append(read - sent)
    return kept, left_out


def slot_of(pid: int, base_port: int) -> int | None:
    """The supervisor's slot of a worker process: its metrics port minus the base port."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for entry in environ:
        if entry.startswith(b"NEWSSTREAM_METRICS_PORT="):
            return int(entry.split(b"=", 1)[1]) - base_port
    return None


def rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), None)


def run_soak(base: Settings, articles: list[dict], *, minutes: float, rate: float, workdir: Path,
             say: Callable[[str], None], kill_every: float = 120.0, processes: int = 2) -> SoakResult:
    """Send ``rate`` articles a second for ``minutes`` to ``processes`` workers, SIGKILL slot 1
    every ``kill_every`` seconds, then read until every article is back (or 300 s pass)."""
    from streams import kafka_io
    from streams.topics import ensure_topics

    settings = fresh_settings(base.model_copy(update={"ner_cache_bytes": 0}), "soak")
    ensure_topics(settings)
    workers = start_workers(settings, processes, nlp=True, log_path=workdir / f"{settings.app_id}.log")
    lives: dict[int, Life] = {}
    sent_at: dict[str, float] = {}
    read_at: dict[str, float] = {}
    reads = 0
    kills: list[float] = []

    def sample(now: float) -> None:
        for pid, role in worker_tree(workers):
            slot = slot_of(pid, workers.ports[0])
            mb = rss_mb(pid)
            if slot is None or mb is None:
                continue
            life = lives.setdefault(pid, Life(slot, pid, now, role=role))
            life.samples.append((now, mb))

    def read(timeout: float) -> None:
        nonlocal reads
        for records in consumer.poll(timeout_ms=max(1, int(timeout * 1000))).values():
            now = time.monotonic()
            for record in records:
                reads += 1
                read_at.setdefault(record.key.decode(), now)

    try:
        workers.wait_ready(180)
        consumer = kafka_io.consumer(settings, [settings.topic_enriched], from_beginning=True)
        producer = kafka_io.producer(settings)
        producer.partitions_for(settings.topic_raw)
        read(0.5)
        started = time.monotonic()
        end = started + minutes * 60
        next_sample, next_kill, next_report = started, started + kill_every, started + 60
        index = 0
        say(f"soak: {processes} processes, {rate:.1f} articles/s for {minutes:g} min, slot 1 killed every "
            f"{kill_every:.0f} s; logs in {workdir}")
        while (now := time.monotonic()) < end:
            if now >= next_sample:
                sample(now)
                next_sample += SAMPLE_EVERY
            if now >= next_kill:
                victim = next((pid for pid, role in worker_tree(workers)
                               if role == "worker" and slot_of(pid, workers.ports[0]) == 1), None)
                if victim is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(victim, signal.SIGKILL)
                    kills.append(now)
                    say(f"  {now - started:5.0f} s: killed slot 1 (pid {victim}) with SIGKILL")
                next_kill += kill_every
            if now >= next_report:
                say(f"  {now - started:5.0f} s: {len(sent_at)} sent, {len(read_at)} read back")
                next_report += 60
            if (due := started + index / rate) > now:
                read(min(due - now, 0.2))
                continue
            article = articles[index % len(articles)]
            key = f"soak-{index}"
            producer.send(settings.topic_raw, key=key.encode(), value=orjson.dumps({**article, "id": key}))
            sent_at[key] = time.monotonic()
            index += 1
        producer.flush()
        producer.close()
        deadline = time.monotonic() + 300
        while len(read_at) < len(sent_at) and time.monotonic() < deadline:
            read(0.5)
            if time.monotonic() >= next_sample:
                sample(time.monotonic())
                next_sample += SAMPLE_EVERY
        consumer.close()
    finally:
        workers.stop(40)
    latencies, left_out = outside_restarts(sent_at, read_at, kills)
    return SoakResult(minutes, rate, len(sent_at), reads, len(read_at), kills, latencies, left_out,
                      sorted(lives.values(), key=lambda life: (life.slot, life.first_seen)))


def report(result: SoakResult) -> list[tuple[str, str, str, bool]]:
    """(figure, measured, target, met): lost, duplicates, latency outside restarts, memory drift."""
    p50, p99 = percentile(result.latencies, 50), percentile(result.latencies, 99)
    full = [life for life in result.lives if life.drift is not None and life.seconds >= result.minutes * 60 * 0.9]
    drift = max((abs(life.drift) for life in full), default=float("nan"))
    rows = [
        ("articles lost (sent, never read back enriched)", f"{result.lost} of {result.sent}", "0", result.lost == 0),
        ("duplicates (read more than once)", str(result.duplicates), "reported", True),
        (f"latency outside restarts ({len(result.latencies)} articles; {result.left_out} inside "
         f"{len(result.kills)} restart(s) left out)", f"p50 {p50:.2f} s, p99 {p99:.2f} s", "p99 <= 1 s", p99 <= 1.0),
        ("RSS drift of the processes that lived through the run", f"{drift:+.1%}" if full else "none lived through",
         "<= 10%", bool(full) and drift <= 0.10),
    ]
    for life in result.lives:
        start, end = life.start_mb, life.end_mb
        rows.append((f"  slot {life.slot} {life.role}, pid {life.pid}: {life.seconds:.0f} s",
                     f"RSS {start:.0f} -> {end:.0f} MB" if start is not None and end is not None
                     else f"RSS at end {end:.0f} MB (lived < {WARM_UP:.0f} s)" if end is not None else "no sample",
                     "", True))
    return rows

"""Recovery of the trends table after kill -9, with a changelog as a day of traffic leaves it.

The embedded broker never compacts, so a restarted worker replays every write of the day:
at 10 articles/s the counting stage writes one chunk per batch wait (5 s under the default grace: ~50
contributions) and, when the route window closes, one tombstone per chunk. Written here: an eighth of
a day (3 hours: 2,160 chunks of 50 realistic contributions, and the tombstones of the closed hours),
then a trends-only worker starts on it; the replay time is scaled by 8 and printed
(a figure, not asserted: timings depend on the machine), and the recovered table must hold
exactly the chunks of the hour still open. ``RECOVERY_DAY_FRACTION=1`` writes the whole day instead
(17,280 chunks, about 350 MiB; a few minutes), to check the scaling.
"""

from __future__ import annotations

import os
import random
import time

import orjson
import pytest

from streams import kafka_io
from streams.agents.trends import count_wait
from streams.config import Settings
from streams.core.trends import Contribution
from streams.topics import ensure_topics
from tests.conftest import isolated_settings, worker_process
from tests.integration.test_reliability import wait_until

pytestmark = pytest.mark.integration

FRACTION = int(os.environ.get("RECOVERY_DAY_FRACTION", "8"))  # a day / the hours written
RATE = 10  # articles per second


def contribution(rng: random.Random, n: int, t_ms: int) -> dict:
    codes = rng.sample(["US", "FR", "DE", "IR", "CN", "RU", "UA", "IL", "GB", "IN", "BR", "KE"], 3)
    return Contribution(id=f"day-{n:07d}", content_hash=f"{n:016x}", t_ms=t_ms, countries=tuple(sorted(codes)),
                        focus=(codes[0],), places=tuple(sorted(codes)),
                        entities=tuple((f"Person {rng.randrange(5000)}", "PERSON") for _ in range(6))
                        + tuple((f"Org {rng.randrange(2000)}", "ORG") for _ in range(4)),
                        labels=tuple((c, f"Country {c}") for c in sorted(codes)), accepted=(900, 3600)).as_dict()


def test_a_day_of_changelog_is_recovered_whole_and_its_replay_time_printed(broker, tmp_path):
    settings = isolated_settings(broker.url, tmp_path / "data", partitions=4, enrich_enabled=False)
    changelog = f"{settings.app_id}-trends-chunks-changelog"
    ensure_topics(settings)
    ensure_topics(settings, [changelog, f"{settings.app_id}-trends-contributions"])

    def restart(log_name: str, entries: int) -> float:
        """Seconds to recover the table of a worker started on the changelog, once it holds ``entries``."""
        worker = worker_process(settings, tmp_path / log_name)
        try:
            worker.wait_ready(120)
            wait_until(lambda: worker.metric("newsstream_trends_recovery_seconds") > 0, 120, "the table recovered")
            # the gauge is set on the agent's next tick
            wait_until(lambda: worker.metric("newsstream_trends_table_entries") == entries, 30,
                       f"the recovered table holding {entries} entries")
            return worker.metric("newsstream_trends_recovery_seconds")
        finally:
            worker.kill()

    empty = restart("empty.log", 0)
    rng = random.Random(3)
    producer = kafka_io.producer(settings)
    hours = 24 // FRACTION
    now = int(time.time() * 1000)
    first_route = now // 3_600_000 * 3_600_000 - (hours - 1) * 3_600_000  # the last hour written is still open
    chunks, n, written = [], 0, 0
    wait = count_wait(Settings.model_fields["trends_grace"].default)  # the agent's batch wait, in seconds
    per_chunk = round(RATE * wait)
    for step in range(round(hours * 3600 / wait)):
        t = first_route + round(step * wait * 1000)
        route = t // 3_600_000 * 3_600_000
        partition = hash(route) % settings.topic_partitions
        key = f"{route}|{partition}|{step}".encode()
        value = orjson.dumps([contribution(rng, n + i, t + i * 1000 // RATE) for i in range(per_chunk)])
        n += per_chunk
        producer.send(changelog, key=key, value=value, partition=partition)
        written += len(value)
        chunks.append((route, partition, key))
    kept = 0
    for route, partition, key in chunks:  # the closed hours' chunks were deleted when they closed
        if route + 3_600_000 + 60_000 < now:
            producer.send(changelog, key=key, value=None, partition=partition)
        else:
            kept += 1
    producer.flush()
    producer.close()
    day = restart("day.log", kept)  # every chunk of the open hour recovered, none of the deleted ones
    replay = max(0.0, day - empty)
    print(f"\nrecovery: {len(chunks)} chunks ({n} contributions, {written / 2**20:.0f} MiB) and their tombstones: "
          f"ready after {day:.1f} s (empty table: {empty:.1f} s); replay {replay:.1f} s, x{FRACTION} for a day: "
          f"{empty + FRACTION * replay:.1f} s (target: 30 s)")
    assert kept > 0

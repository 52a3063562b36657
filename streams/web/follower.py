"""The page's state, fed from the topics by a thread of its own, and shared with the HTTP clients.

The follower is a plain consumer without a group: it commits nothing and takes no partition
from the worker's group. It starts each enriched partition at the current window's start
(the page then counts the window exactly) and the dead-letter topic at its end (the page counts
dead letters since it started). Consumer lag comes from the workers' own /metrics.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import orjson
from kafka.structs import TopicPartition

from streams.config import Settings
from streams.core.page import BadPageInput, PageState
from streams.core.trends import window_sizes, window_start

log = logging.getLogger(__name__)

LAG_METRIC = "newsstream_consumer_lag_records"


def now_ms() -> int:
    return int(time.time() * 1000)


class Hub:
    """The one PageState behind a lock; clients wait for a new version and take the latest snapshot.

    A snapshot is serialised once per (version, second) whatever the number of clients, and a
    client that is slow simply asks again later for whatever is latest: nothing queues per client.
    """

    def __init__(self, state: PageState):
        self.state = state
        self.changed = threading.Condition()
        self._cached: tuple[tuple[int, int], bytes] | None = None

    def update(self, change: Callable[[PageState], None]) -> None:
        with self.changed:
            change(self.state)
            self.changed.notify_all()

    def snapshot(self) -> tuple[tuple[int, int], bytes]:
        """((version, second), JSON) of the latest state."""
        with self.changed:
            at = now_ms()
            self.state.roll(at)
            tag = (self.state.version, at // 1000)
            if self._cached is None or self._cached[0] != tag:
                self._cached = (tag, orjson.dumps(self.state.snapshot(at)))
            return self._cached

    def wait(self, seen: tuple[int, int] | None, timeout: float) -> None:
        """Return once the state has a version other than ``seen``'s, or after ``timeout``."""
        with self.changed:
            if seen is not None and seen[0] == self.state.version:
                self.changed.wait(timeout)

    def article(self, article_id: str) -> dict | None:
        with self.changed:
            return self.state.article(article_id)


class Follower:
    """Reads the enriched and dead-letter topics into the hub, and the workers' lag, until stopped."""

    def __init__(self, settings: Settings, hub: Hub, metrics_urls: list[str]):
        self.settings, self.hub, self.metrics_urls = settings, hub, metrics_urls
        self.stopping = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="web-follower", daemon=True)

    def start(self) -> Follower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._follow()
            except Exception as exc:  # noqa: BLE001 - the page says so and tries again; the worker goes on
                self.error = f"cannot read {self.settings.topic_enriched}: {exc}"
                log.warning("live page: %s; retrying in 5 s", self.error)
                self.stopping.wait(5.0)

    def _assign(self, consumer) -> None:
        from streams import kafka_io

        enriched = self.settings.topic_enriched
        dead = self.settings.topic_deadletter
        parts = {topic: [TopicPartition(topic, p) for p in sorted(kafka_io.wait_for_topic(consumer, topic, 60.0))]
                 for topic in (enriched, dead)}
        consumer.assign(parts[enriched] + parts[dead])
        size = window_sizes(self.settings.trends_windows)[0]
        kafka_io.seek_to_time(consumer, parts[enriched], window_start(now_ms(), size))
        for partition in parts[dead]:
            consumer.seek_to_end(partition)

    def _follow(self) -> None:
        from streams import kafka_io

        consumer = kafka_io.consumer(self.settings, [], from_beginning=False)
        try:
            self._assign(consumer)
            self.error = None
            next_lag = 0.0
            while not self.stopping.is_set():
                for batch in consumer.poll(timeout_ms=250, max_records=500).values():
                    self.hub.update(lambda state, batch=batch: self._take(state, batch))
                if time.monotonic() >= next_lag:
                    next_lag = time.monotonic() + 2.0
                    lag = self.lag()
                    self.hub.update(lambda state, lag=lag: state.set_lag(lag))
        finally:
            consumer.close()

    def _take(self, state: PageState, messages: list) -> None:
        at = now_ms()
        for message in messages:
            if message.topic == self.settings.topic_deadletter:
                state.add_dead_letter(at)
                continue
            try:
                if message.value is None:
                    raise BadPageInput("a record without a value (tombstone)")
                state.add_enriched(orjson.loads(message.value), at)
            except (BadPageInput, orjson.JSONDecodeError) as exc:
                log.warning("live page: skipped %s[%d]@%d: %s", message.topic, message.partition, message.offset, exc)

    def lag(self) -> float | None:
        """Records the group has yet to commit, summed over the workers that answer; None if none does."""
        from streams.status import fetch, parse, total

        found = None
        for url in self.metrics_urls:
            answer = fetch(f"{url}/metrics", timeout=1.0)
            if answer is not None and answer[0] == 200:
                found = (found or 0.0) + total(parse(answer[1].decode()), LAG_METRIC)
        return found

"""The worker's periodic checks: heartbeat, consumer lag, and topics that vanished from the broker.

Each is a small object with one async method, so a test drives it without Faust or a
broker; ``attach`` registers them as Faust timers on the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import faust

from streams import metrics
from streams.config import Settings
from streams.pipeline import exit_now
from streams.topics import describe_connection, missing_topics

log = logging.getLogger(__name__)

#: Seconds between heartbeats, lag reports and topic checks.
HEARTBEAT_INTERVAL = 1.0
LAG_INTERVAL = 5.0
TOPIC_CHECK_INTERVAL = 10.0


class LagReporter:
    """Consumer lag of the partitions this worker owns (Faust has no public gauge for it)."""

    def __init__(self, consumer: Callable[[], Any], topic: str):
        """``consumer`` returns the consumer when asked: Faust creates it only once the worker starts."""
        self._consumer, self.topic = consumer, topic
        self.reported: set = set()

    async def report(self) -> None:
        consumer = self._consumer()
        owned = {tp for tp in consumer.assignment() if tp.topic == self.topic}
        for tp in self.reported - owned:  # partitions that went to another worker
            metrics.CONSUMER_LAG.remove(tp.topic, str(tp.partition))
        self.reported.intersection_update(owned)
        if not owned:
            return
        highwaters = await consumer.highwaters(*owned)
        committed = {tp: consumer._committed_offset.get(tp) for tp in owned}  # noqa: SLF001 - Faust keeps it private
        never_committed = [tp for tp, offset in committed.items() if offset is None]
        earliest = await consumer.earliest_offsets(*never_committed) if never_committed else {}
        for tp in owned:
            start = committed[tp] if committed[tp] is not None else earliest.get(tp, 0)
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwaters.get(tp, start) - start))
            self.reported.add(tp)


class TopicWatch:
    """A broker that came back empty (in-memory storage, lost volumes) has lost our topics.

    The consumer would rejoin its group there and idle, ready and silent. Two checks in a
    row that miss a topic end the worker instead (``on_lost``); restarted, it recreates them.
    """

    def __init__(self, settings: Settings, *, missing: Callable[[Settings], list[str]] = missing_topics,
                 on_lost: Callable[..., Any] = exit_now):
        self.settings, self._missing, self._on_lost = settings, missing, on_lost
        self.misses = 0

    async def check(self) -> None:
        try:
            missing = await asyncio.to_thread(self._missing, self.settings)
        except Exception:  # noqa: BLE001 - not reachable now: the Kafka clients log why
            return
        self.misses = self.misses + 1 if missing else 0
        if missing:
            log.error("topics %s are missing on the broker at %s", missing, describe_connection(self.settings))
        if self.misses >= 2:
            self._on_lost("topics %s no longer exist on the broker (it restarted without its data, or they were "
                          "deleted); exiting so that a restart recreates them", missing)


def attach(app: faust.App, settings: Settings, health: metrics.Health) -> None:
    """Register the heartbeat, the lag report and the topic check on ``app``, and readiness on assignment."""

    async def heartbeat() -> None:
        health.beat()

    async def on_assigned(app, assigned, **kwargs) -> None:
        health.assigned = True
        log.info("assigned %d partitions", len(assigned))

    app.timer(HEARTBEAT_INTERVAL, name="heartbeat")(heartbeat)
    app.timer(LAG_INTERVAL, name="report_lag")(LagReporter(lambda: app.consumer, settings.topic_raw).report)
    app.timer(TOPIC_CHECK_INTERVAL, name="check_topics")(TopicWatch(settings).check)
    app.on_partitions_assigned.connect(on_assigned)

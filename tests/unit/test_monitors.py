"""The worker's periodic checks, driven directly: no Faust worker, no broker."""

from __future__ import annotations

import asyncio

from faust.types import TP

from streams import metrics
from streams.config import load_settings
from streams.monitors import LagReporter, TopicWatch


def test_a_topic_missing_twice_in_a_row_ends_the_worker_once_is_only_logged(tmp_path):
    answers = iter([["articles.raw"], [], ["articles.raw"], ["articles.raw"]])
    lost: list[tuple] = []
    watch = TopicWatch(load_settings(broker="kafka://127.0.0.1:9", data_dir=str(tmp_path)),
                       missing=lambda settings: next(answers), on_lost=lambda *args: lost.append(args))

    async def scenario():
        for expected_lost in (0, 0, 0, 1):
            await watch.check()
            assert len(lost) == expected_lost
        assert "no longer exist" in lost[0][0] and lost[0][1] == ["articles.raw"]

    asyncio.run(scenario())


def test_a_broker_that_cannot_be_asked_is_no_evidence_of_missing_topics(tmp_path):
    def unreachable(settings):
        raise ConnectionError("no route")

    lost: list = []
    watch = TopicWatch(load_settings(broker="kafka://127.0.0.1:9", data_dir=str(tmp_path)), missing=unreachable,
                       on_lost=lambda *args: lost.append(args))
    for _ in range(3):
        asyncio.run(watch.check())
    assert watch.misses == 0 and not lost


class FakeConsumer:
    def __init__(self, owned, highwaters, committed, earliest):
        self.owned, self._highwaters, self._committed_offset, self._earliest = owned, highwaters, committed, earliest

    def assignment(self):
        return set(self.owned)

    async def highwaters(self, *tps):
        return {tp: self._highwaters[tp] for tp in tps}

    async def earliest_offsets(self, *tps):
        return {tp: self._earliest[tp] for tp in tps}


def _lag(topic: str, partition: int) -> float | None:
    return metrics.REGISTRY.get_sample_value("newsstream_consumer_lag_records",
                                             {"topic": topic, "partition": str(partition)})


def test_lag_is_reported_per_owned_partition_and_removed_when_a_partition_leaves():
    first, second, other = TP("lag.raw", 0), TP("lag.raw", 1), TP("lag.other", 0)
    consumer = FakeConsumer(owned={first, second, other}, highwaters={first: 10, second: 7, other: 99},
                            committed={first: 4, second: None}, earliest={second: 2})
    reporter = LagReporter(lambda: consumer, "lag.raw")
    asyncio.run(reporter.report())
    assert _lag("lag.raw", 0) == 6  # high watermark minus committed
    assert _lag("lag.raw", 1) == 5  # never committed: from the earliest offset
    assert _lag("lag.other", 0) is None  # not the raw topic
    consumer.owned = {first}
    asyncio.run(reporter.report())
    assert _lag("lag.raw", 0) == 6 and _lag("lag.raw", 1) is None  # rebalanced away: no stale series

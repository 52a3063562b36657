"""The recovery watch: a changelog partition that sends nothing is sought again, then the group rebalanced."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace

from faust.types import TP

from streams.recovery_watch import RecoveryWatch

CHANGELOG = "app-trends-chunks-changelog"


class FakeRecovery:
    def __init__(self) -> None:
        self.in_recovery = True
        self._recovery_started_at = 100.0
        self._active_events_received_at: dict[TP, float] = {}
        self.active_offsets: Counter[TP] = Counter()
        self.highwaters: dict[TP, int] = {}

    def active_remaining(self) -> Counter[TP]:
        return Counter({tp: high - self.active_offsets[tp] for tp, high in self.highwaters.items()})


class FakeConsumer:
    def __init__(self) -> None:
        self.flow_active = True
        self.seeks: list[tuple[TP, int]] = []
        self.resumed: list[TP] = []
        self.rejoins = 0
        self._paused_partitions: set[TP] = set()
        self._buffered_partitions: set[TP] = set()
        coordinator = SimpleNamespace(request_rejoin=self._rejoin)
        self._thread = SimpleNamespace(_ensure_consumer=lambda: SimpleNamespace(_coordinator=coordinator),
                                       call_thread=self._call_thread)

    def _rejoin(self) -> None:
        self.rejoins += 1

    async def _call_thread(self, fun):
        return await fun()

    def _get_active_partitions(self) -> set[TP]:
        return set()

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))

    def resume_partitions(self, tps) -> None:
        self.resumed += list(tps)


def watch_with(recovery: FakeRecovery, consumer: FakeConsumer) -> RecoveryWatch:
    app = SimpleNamespace(tables=SimpleNamespace(recovery=recovery), consumer=consumer,
                          flow_control=SimpleNamespace(is_active=lambda: True))
    return RecoveryWatch(app, stall_after=5.0)


def run(watch: RecoveryWatch, now: float) -> None:
    asyncio.run(watch.check(now=now))


def test_a_partition_that_sends_nothing_is_sought_again_then_the_group_rebalanced():
    recovery, consumer = FakeRecovery(), FakeConsumer()
    waiting, done = TP(CHANGELOG, 3), TP(CHANGELOG, 1)
    recovery.highwaters = {waiting: 4, done: 7}
    recovery.active_offsets.update({waiting: -1, done: 7})
    watch = watch_with(recovery, consumer)
    run(watch, 104.0)
    assert consumer.seeks == [] and consumer.rejoins == 0  # not yet 5 s
    run(watch, 105.5)
    assert consumer.seeks == [(waiting, 0)] and consumer.resumed == [waiting] and consumer.rejoins == 0
    run(watch, 109.0)
    assert consumer.rejoins == 0  # the seek gets its own 5 s
    run(watch, 111.0)
    assert consumer.rejoins == 1 and len(consumer.seeks) == 1


def test_a_partition_still_receiving_records_or_a_finished_recovery_is_left_alone():
    recovery, consumer = FakeRecovery(), FakeConsumer()
    slow = TP(CHANGELOG, 0)
    recovery.highwaters = {slow: 50_000}
    recovery.active_offsets[slow] = 20_000
    recovery._active_events_received_at[slow] = 120.0
    watch = watch_with(recovery, consumer)
    run(watch, 124.0)
    assert consumer.seeks == []
    recovery.in_recovery = False
    run(watch, 200.0)
    assert consumer.seeks == [] and consumer.rejoins == 0


def test_a_new_recovery_starts_the_steps_over_and_a_stopped_flow_waits_for_the_rebalance():
    recovery, consumer = FakeRecovery(), FakeConsumer()
    waiting = TP(CHANGELOG, 2)
    recovery.highwaters = {waiting: 3}
    recovery.active_offsets[waiting] = 1
    watch = watch_with(recovery, consumer)
    run(watch, 106.0)
    assert consumer.seeks == [(waiting, 1)]
    recovery._recovery_started_at = 200.0  # another rebalance restarted the recovery
    run(watch, 206.0)
    assert consumer.seeks == [(waiting, 1), (waiting, 1)] and consumer.rejoins == 0
    consumer.flow_active = False
    run(watch, 230.0)
    assert consumer.rejoins == 0

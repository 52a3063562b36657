"""Faust's Kafka transport with four changes: records handed to the stream without a task,
fetching that resumes as soon as a stream buffer drains, the fetch wait, and no record
fetched before a seek delivered after it.

**The hand-off.** Faust's consumer hands every fetched record to the stream buffers as
``wait_first(callback(message), suspend_flow.wait())``: a rebalance that suspends the flow
while a buffer is full abandons the hand-off. That costs four tasks, an ``asyncio.wait``
and the cancellations per record, and it is what held a worker with enrichment off to
4,000-4,500 articles/s (5,300-6,000/s without it, same harness, same machine).

The hand-off nearly always completes without waiting (the buffer has room), so
``Consumer.wait_first`` runs its first step at once, as Python 3.12's eager tasks do.
Only when the hand-off must wait does it go Faust's way: the rest of it raced against
the suspended flow, cancelled if the flow wins.

**The fetch wait.** Faust fixes the consumer's ``fetch_max_wait_ms`` at 1,500 ms. A Kafka
broker answers a waiting fetch as soon as records arrive, so there the wait only spaces idle
polls. The embedded broker looks for records when a fetch arrives and then again half-way
through what is left of the wait (after 1/2, 3/4, 7/8 of it...), answering at the first look
that finds some; a record can wait half the fetch wait, and every look costs it CPU. With
1.5 s records came in bursts every 0.75 s: at half load (2 processes, 13 articles/s) p50
latency was 0.82 s and p99 1.27 s, and a burst of work started up to 0.75 s late. With
0.1 s: p50 0.22 s, p99 0.40 s; but every empty fetch costs the embedded broker CPU that the
workers need. The default, 0.25 s, gave p50 0.35 s and p99 0.65 s, and 2-3% more throughput
with two processes on two cores.
``App(fetch_max_wait=...)`` sets it (``NEWSSTREAM_FETCH_MAX_WAIT``).

**Resuming.** A partition whose records fill a stream buffer is not fetched from until the
buffer drains. With every partition held back Faust sleeps a fixed second, and a wait for
records, limited to the partitions that were fetchable when it began, lasts up to a second
while the others drain. With NLP off both left gaps of 0.5-0.75 s without a record.
``Consumer._wait_next_records`` waits until a partition drains and, while any partition is
held back, rechecks every 0.1 s: 20,000 records with NLP off went from 5,000-5,900 to
6,800-6,900 articles/s. With nothing held back (NLP on: batches drain the buffers long
before they fill) it waits Faust's second, as a recheck would only wake two threads ten
times a second: 5-6 ms of CPU per second per worker, idle or busy.

**Seeks.** Faust keeps a read offset per partition (the last record handed on) and counts
offsets that a fetch skips over as a "gap", acknowledged as if processed (compacted or
transactional topics have such holes). At the end of a table recovery Faust resumes the stream
partitions, then seeks them to their committed offsets while the fetcher runs. A fetch that
began before that seek still hands on its records afterwards: the first one finds the read
offset reset to the committed offset, and every offset in between counts as a gap, committed
though the records handed on before the seek were cleared from the stream buffers unprocessed
(or, the other way round, re-fetched records count as already read and a partition's commits
stall). Here no record is handed on while a seek is under way; a record fetched before its
partition's latest seek is never handed on after it (nor counts as a gap); the partition goes
back to where that seek put it before the next fetch, also when the seek ended while a record
was being handed on (Faust sets the read offset after the hand-off); and a stream partition
without a committed offset, which the client's seek leaves where it is, goes back to the first
record handed on since it was assigned (changelogs are never committed: a recovery seeks them
itself). Records handed on twice are enriched twice (at-least-once); none is skipped.

Nothing else changes.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Awaitable, Coroutine, Generator, Iterable, Mapping
from typing import Any, NamedTuple

import aiokafka
import faust
from aiokafka.errors import IllegalStateError
from faust.transport import by_url
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, TransportT
from mode.services import WaitArgT, WaitResults

__all__ = ["App", "Consumer", "ConsumerThread", "Finished", "Transport", "start_eagerly"]


class Finished(NamedTuple):
    """A coroutine that completed in its first step, and what it returned."""

    value: Any


def start_eagerly(coroutine: Coroutine[Any, Any, Any]) -> Finished | Awaitable[Any]:
    """Run ``coroutine`` up to its first wait: ``Finished`` if it got to the end, else an awaitable for the rest.

    An exception raised before the first wait is raised here.
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration as stop:
        return Finished(stop.value)
    return _rest_of(coroutine, waiting_on)


async def _rest_of(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> Any:
    # A coroutine function, not the generator itself: mode's wait_first wants an Awaitable.
    return await _resume(coroutine, waiting_on)


@types.coroutine
def _resume(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> Generator[Any, Any, Any]:
    """What ``await`` does, from a coroutine's second step on: the task it runs in sees the same waits."""
    while True:
        try:
            sent = yield waiting_on
        except BaseException as exc:  # noqa: BLE001 - cancellation and close go to the coroutine, as with await
            try:
                waiting_on = coroutine.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                waiting_on = coroutine.send(sent)
            except StopIteration as stop:
                return stop.value


class ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """Faust's thread that runs the aiokafka consumer, with the app's fetch wait."""

    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        # Read by AIOKafkaConsumer.start() to build its fetcher; Faust passes no setting for it.
        consumer._fetch_max_wait_ms = round(self.app.fetch_max_wait * 1000)  # noqa: SLF001
        return consumer


#: Longest wait for records from the partitions fetchable when it started, while others are
#: held back; Faust waits 1 s.
RECHECK_PARTITIONS = 0.1


#: Seconds between attempts to seek to the committed offsets after one failed.
RETRY_SEEK = 1.0


class Consumer(aiokafka_driver.Consumer):
    """Faust's aiokafka consumer: the eager hand-off, fetching that resumes at once, the fetch wait (its thread)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fetchable = asyncio.Event()  # set when a partition may be fetched from again
        self._seeks = 0  # a count, raised by every seek
        self._seeked_at: dict[TP, int] = {}  # a partition's latest seek: records fetched before it are void
        self._seek_to: dict[TP, int | None] = {}  # where that seek put the partition (None: not moved)
        self._seeking = 0  # seeks under way: no record is handed on meanwhile
        self._not_seeking = asyncio.Event()
        self._not_seeking.set()
        self._fetch_began_at = 0  # ``_seeks`` when the fetch whose records are handed on began
        self._put_back: dict[TP, tuple[int, int]] = {}  # where a void fetch's partitions go back to, and when
        self._first_handed_on: dict[TP, int] = {}  # per partition, since it was assigned
        self._positions_unknown = False  # a seek to the committed offsets failed: retried before anything is handed on

    async def perform_seek(self) -> None:
        """Faust's seek of every assigned partition to its committed offset; no record is handed on meanwhile."""
        self._seeking += 1
        self._not_seeking.clear()
        try:
            await super().perform_seek()
        except BaseException:
            self._positions_unknown = True
            raise
        else:
            self._positions_unknown = False
        finally:
            self._seeking -= 1
            if not self._seeking:
                self._not_seeking.set()

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """The client's seek, and a partition without a committed offset back to its first record handed on.

        The client leaves such a partition where it is, though records handed on before the
        seek may be cleared from the stream buffers with it, unprocessed.
        """
        committed = dict(await super().seek_to_committed())
        moved: dict[TP, int | None] = {}
        for tp, offset in committed.items():
            if offset and offset > 0:
                moved[tp] = offset
            elif tp in self._first_handed_on and self.app.topics.acks_enabled_for(tp.topic):
                moved[tp] = self._first_handed_on[tp]
                await self._seek(tp, moved[tp])
            else:
                moved[tp] = None
        self._seeked(moved)
        return committed

    async def seek(self, partition: TP, offset: int) -> None:
        await super().seek(partition, offset)
        self._seeked({partition: offset})

    async def seek_wait(self, partitions: Mapping[TP, int]) -> None:
        await super().seek_wait(partitions)
        self._seeked(partitions)

    def _seeked(self, moved: Mapping[TP, int | None]) -> None:
        """Records fetched before now are void for these partitions; where the seek put each."""
        self._seeks += 1
        for tp, offset in moved.items():
            self._seeked_at[tp] = self._seeks
            self._seek_to[tp] = offset

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        for tp in revoked:  # their next owner starts from the committed offsets
            self._first_handed_on.pop(tp, None)
            self._put_back.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
        """Faust's, except that a record fetched before its partition's latest seek is not handed on.

        The partition then goes back to where that seek put it (or, if it did not move it, to
        the first record not handed on) before the next fetch (see the module's "Seeks").
        """
        if not await self._positions_known():
            return
        began_at = self._fetch_began_at = self._seeks
        seeked_at, first_handed_on = self._seeked_at, self._first_handed_on
        async for tp, message in super().getmany(timeout):
            if self._seeking:
                await self._not_seeking.wait()
            if self._positions_unknown or seeked_at.get(tp, 0) > began_at:
                self._go_back(tp, message.offset)  # void: its partition was seeked after this fetch began
                continue
            if tp not in first_handed_on:
                first_handed_on[tp] = message.offset
            yield tp, message
            if seeked_at.get(tp, 0) > began_at:  # a seek ended while it was handed on: its read offset is stale
                self._go_back(tp, None)
        await self._positions_known()

    def _go_back(self, tp: TP, first_not_handed_on: int | None) -> None:
        """Where ``tp`` goes before the next fetch: where its latest seek put it, else its first record not
        handed on (None: it stays)."""
        if tp not in self._put_back:
            target = self._seek_to.get(tp) if self._seeked_at.get(tp, 0) > self._fetch_began_at else None
            if target is None:
                target = first_not_handed_on
            if target is not None:
                self._put_back[tp] = (target, self._seeks)

    async def _positions_known(self) -> bool:
        """Partitions a void fetch moved on are back where they belong; False if that must wait."""
        if self._positions_unknown:
            if not self.assignment():
                self._positions_unknown = False  # nothing to seek
            else:
                try:
                    await self.perform_seek()
                except Exception as exc:  # noqa: BLE001 - a broker error or a rebalance: retried at the next fetch
                    self.log.warning("Could not seek to the committed offsets, retrying: %r", exc)
                    await asyncio.sleep(RETRY_SEEK)
                    return False
        assignment = self.assignment() if self._put_back else set()
        while self._put_back:
            tp, (offset, noted_at) = self._put_back.popitem()
            if self._seeked_at.get(tp, 0) > noted_at and self._seek_to.get(tp) is not None:
                continue  # a later seek put it where it belongs
            if tp in assignment:
                try:
                    await self.seek(tp, offset)
                except IllegalStateError:
                    continue  # revoked meanwhile: its next owner starts from the committed offset
        return True

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """Faust's, unless the record showing the gap was fetched before its partition's latest seek.

        Then its read offset was reset under it (a task switch between fetch and hand-off): no
        gap is known, and the partition goes back to where the seek put it.
        """
        if self._seeked_at.get(tp, 0) > self._fetch_began_at:
            self._go_back(tp, offset_from)
            return
        await super()._add_gap(tp, offset_from, offset_to)

    def _new_consumer_thread(self) -> ConsumerThread:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _wait_next_records(self, timeout: float) -> tuple[Any, set[TP] | None]:
        """Faust's, with two waits cut short (see the module's "Resuming").

        With every partition held back by a full stream buffer: until one drains, not 1 s.
        With some held back: at most ``RECHECK_PARTITIONS`` for records of the partitions
        fetchable now, so that partitions which drain meanwhile are fetched from without
        waiting 1 s. With none held back, Faust's wait: there is nothing to recheck.
        """
        if self.flow_active and not self.app.client_only and not self._get_active_partitions():
            self._fetchable.clear()
            await self.wait(self._fetchable, timeout=1.0)
            if not self._get_active_partitions():
                return {}, self._get_active_partitions()
        if self._buffered_partitions:  # held back by a full stream buffer
            timeout = min(timeout, RECHECK_PARTITIONS)
        return await super()._wait_next_records(timeout)

    def on_buffer_drop(self, tp: TP) -> None:
        super().on_buffer_drop(tp)
        self._fetchable.set()

    def resume_partitions(self, tps: Iterable[TP]) -> None:
        super().resume_partitions(tps)
        self._fetchable.set()

    async def wait_first(self, *coros: WaitArgT, timeout: Any = None) -> WaitResults:
        """Faust's ``wait_first``; when the first argument finishes in its first step, without a task.

        Only while the flow runs and the consumer is up: otherwise, and for events and
        futures, Faust's own way decides, exactly as before.
        """
        first, *others = coros
        if (
            not isinstance(first, Coroutine)
            or self.suspend_flow.is_set()
            or self._stopped.is_set()
            or self._crashed.is_set()
        ):
            return await super().wait_first(*coros, timeout=timeout)
        started = start_eagerly(first)
        if isinstance(started, Finished):
            for other in others:
                if isinstance(other, Coroutine):
                    other.close()  # never started: nothing to cancel
            return WaitResults([first], [started.value], False)
        return await super().wait_first(started, *others, timeout=timeout)


class Transport(aiokafka_driver.Transport):
    """Faust's aiokafka transport with this module's ``Consumer``."""

    Consumer = Consumer


class App(faust.App):
    """``faust.App`` with this module's Kafka transport (other transports unchanged).

    ``fetch_max_wait``: seconds a fetch may wait at the broker for new records.
    """

    def __init__(self, *args: Any, fetch_max_wait: float = 1.5, **kwargs: Any) -> None:
        self.fetch_max_wait = fetch_max_wait
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> TransportT:
        transport_class = by_url(self.conf.broker_consumer[0])
        if transport_class is aiokafka_driver.Transport:
            transport_class = Transport
        return transport_class(self.conf.broker_consumer, self)

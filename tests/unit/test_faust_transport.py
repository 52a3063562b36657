"""Faust's transport, changed four times. The eager hand-off: a coroutine that does not wait
finishes in its first step, without a task; one that waits goes on in a task exactly as if awaited
(values, exceptions, cancellation); the consumer keeps Faust's race against a suspended flow for
hand-offs that wait. Resuming: fetching starts again when a held-back partition drains, not after
Faust's fixed second. The fetch wait: the aiokafka consumer gets the configured one, not 1.5 s. Seeks: a record
fetched before a seek of its partition is never handed on after it, nor counts as a gap."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.structs import ConsumerRecord
from faust.types import TP

from streams import faust_transport
from streams.app import new_faust_app
from streams.config import Settings


async def returns(value):
    return value


def test_a_coroutine_that_never_waits_finishes_in_its_first_step():
    assert faust_transport.start_eagerly(returns(42)) == faust_transport.Finished(42)


def test_an_exception_before_the_first_wait_is_raised_at_once():
    async def fails():
        raise ValueError("bad record")

    with pytest.raises(ValueError, match="bad record"):
        faust_transport.start_eagerly(fails())


def test_a_coroutine_that_waits_goes_on_with_the_values_its_waits_produce():
    async def waits_twice(steps):
        steps.append("started")
        first = await asyncio.sleep(0, result="one")
        future = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(future.set_result, "two")
        second = await future
        steps.append("finished")
        return first, second

    async def main():
        steps: list[str] = []
        rest = faust_transport.start_eagerly(waits_twice(steps))
        assert steps == ["started"]  # the first step ran before anything was scheduled
        assert not isinstance(rest, faust_transport.Finished)
        assert await asyncio.ensure_future(rest) == ("one", "two")
        assert steps == ["started", "finished"]

    asyncio.run(main())


def test_an_exception_after_a_wait_reaches_whoever_awaits_the_rest():
    async def fails_later():
        await asyncio.sleep(0)
        raise ValueError("late")

    async def main():
        rest = faust_transport.start_eagerly(fails_later())
        with pytest.raises(ValueError, match="late"):
            await asyncio.ensure_future(rest)

    asyncio.run(main())


def test_cancelling_the_rest_cancels_the_coroutine_at_its_wait():
    seen: list[str] = []

    async def waits_forever():
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def main():
        task = asyncio.ensure_future(faust_transport.start_eagerly(waits_forever()))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen == ["cancelled"]


def consumer_of(settings: Settings | None = None) -> faust_transport.Consumer:
    app = new_faust_app(settings or Settings(broker="kafka://127.0.0.1:1"))
    consumer = app.consumer
    assert isinstance(consumer, faust_transport.Consumer)
    return consumer


def test_the_pipeline_app_uses_the_eager_consumer():
    app = new_faust_app(Settings(broker="kafka://127.0.0.1:1"))
    assert isinstance(app.transport, faust_transport.Transport)
    assert isinstance(app.consumer, faust_transport.Consumer)


def test_a_hand_off_that_does_not_wait_runs_in_the_consumers_own_task():
    async def main():
        consumer = consumer_of()
        ran_in = []

        async def hand_off():
            ran_in.append(asyncio.current_task())
            return "delivered"

        result = await consumer.wait_first(hand_off(), consumer.suspend_flow.wait())
        assert ran_in == [asyncio.current_task()]
        assert result.results == ["delivered"] and not result.stopped

    asyncio.run(main())


def test_a_hand_off_that_waits_finishes_when_its_wait_does():
    async def main():
        consumer = consumer_of()
        room = asyncio.get_running_loop().create_future()

        async def hand_off():
            await room  # a full stream buffer
            return "delivered"

        asyncio.get_running_loop().call_later(0.01, room.set_result, None)
        result = await consumer.wait_first(hand_off(), consumer.suspend_flow.wait())
        assert "delivered" in result.results and not result.stopped

    asyncio.run(main())


def test_a_waiting_hand_off_is_abandoned_when_the_flow_is_suspended():
    async def main():
        consumer = consumer_of()
        steps: list[str] = []

        async def hand_off():
            steps.append("started")
            try:
                await asyncio.get_running_loop().create_future()  # a buffer that stays full
            except asyncio.CancelledError:
                steps.append("abandoned")
                raise

        asyncio.get_running_loop().call_later(0.01, consumer.suspend_flow.set)
        result = await consumer.wait_first(hand_off(), consumer.suspend_flow.wait())
        await asyncio.sleep(0)  # let the cancellation land
        assert steps == ["started", "abandoned"]
        assert result.results == [True]  # only the suspended flow finished: Event.wait() returned True

    asyncio.run(main())


def test_while_the_flow_is_suspended_the_hand_off_goes_faust_s_way():
    async def main():
        consumer = consumer_of()
        consumer.suspend_flow.set()
        ran_in = []

        async def hand_off():
            ran_in.append(asyncio.current_task())

        await consumer.wait_first(hand_off(), consumer.suspend_flow.wait())
        await asyncio.sleep(0)
        assert ran_in and ran_in != [asyncio.current_task()]

    asyncio.run(main())


def test_the_kafka_consumer_waits_at_most_the_configured_fetch_wait():
    async def main():
        consumer = consumer_of(Settings(broker="kafka://127.0.0.1:1", fetch_max_wait=0.25))
        kafka_consumer = consumer._thread._create_worker_consumer(consumer.transport)
        try:
            assert kafka_consumer._fetch_max_wait_ms == 250  # what AIOKafkaConsumer.start() gives its fetcher
        finally:
            await kafka_consumer.stop()

    asyncio.run(main())


RAW_0 = TP("articles.raw", 0)
RAW_1 = TP("articles.raw", 1)


def held_back_consumer() -> faust_transport.Consumer:
    """A consumer whose only partition's records filled the stream buffer: not fetched for now."""
    consumer = consumer_of()
    consumer._set_active_tps({RAW_0})
    consumer.on_buffer_full(RAW_0)
    assert not consumer._get_active_partitions()
    return consumer


def test_fetching_resumes_as_soon_as_a_held_back_partition_drains():
    """Faust sleeps a fixed second when every partition is held back by a full stream buffer."""

    async def main():
        consumer = held_back_consumer()
        fetched_from = []

        async def getmany(active_partitions, timeout):
            fetched_from.append(set(active_partitions))
            return {}

        consumer._getmany = getmany
        waiting = asyncio.ensure_future(consumer._wait_next_records(timeout=1.0))
        await asyncio.sleep(0.05)
        assert not waiting.done() and not fetched_from  # nothing to fetch from: waits
        consumer.on_buffer_drop(RAW_0)  # the buffer drained to its low-water mark
        records, active = await asyncio.wait_for(waiting, timeout=0.5)  # Faust's sleep: 1 s
        assert fetched_from == [{RAW_0}] and active == {RAW_0}

    asyncio.run(main())


def test_with_every_partition_held_back_it_waits_at_most_faust_s_second():
    async def main():
        consumer = held_back_consumer()
        loop = asyncio.get_running_loop()
        started = loop.time()
        records, active = await consumer._wait_next_records(timeout=1.0)
        assert records == {} and not active
        assert 0.9 <= loop.time() - started < 2.0

    asyncio.run(main())


def waits_asked_of_the_client(consumer: faust_transport.Consumer) -> list[float]:
    """The timeout of each fetch wait ``_wait_next_records`` asks of the client, for Faust's 1 s."""
    waited: list[float] = []

    async def getmany(active_partitions, timeout):
        waited.append(timeout)
        return {}

    consumer._getmany = getmany
    asyncio.run(consumer._wait_next_records(timeout=1.0))  # Faust's drain loop asks for 1 s
    return waited


def test_while_a_partition_is_held_back_a_wait_for_records_is_short_so_it_is_fetched_soon_after_it_drains():
    consumer = consumer_of()
    consumer._set_active_tps({RAW_0, RAW_1})
    consumer.on_buffer_full(RAW_1)
    assert waits_asked_of_the_client(consumer) == [faust_transport.RECHECK_PARTITIONS]


def test_with_nothing_held_back_a_wait_for_records_is_faust_s_as_there_is_nothing_to_recheck():
    consumer = consumer_of()
    consumer._set_active_tps({RAW_0, RAW_1})
    consumer.on_buffer_full(RAW_1)
    consumer.on_buffer_drop(RAW_1)
    assert waits_asked_of_the_client(consumer) == [1.0]


# --- seeks: no record fetched before a seek is handed on after it -------------------------------


def record(offset: int, tp: TP = RAW_0) -> ConsumerRecord:
    return ConsumerRecord(tp.topic, tp.partition, offset, 0, 0, None, b"{}", None, 0, 2, [])


class Broker:
    """What the consumer asks of the Kafka client in these tests: fetches, seeks, committed offsets."""

    def __init__(self, consumer: faust_transport.Consumer, committed: dict[TP, int]) -> None:
        self.committed = committed
        self.seeks: list[tuple[TP, int]] = []
        self.fetches: list[list[int]] = []  # what each fetch returns, in order
        self.during_fetch = None  # called while a fetch waits at the broker
        consumer.assignment = lambda: set(committed)
        consumer.highwater = lambda tp: 10_000
        consumer._set_active_tps(set(committed))
        consumer._getmany = self.getmany
        consumer._seek = self.seek

    async def getmany(self, active_partitions, timeout):
        if self.during_fetch is not None:
            await self.during_fetch()
        offsets = self.fetches.pop(0) if self.fetches else []
        return {RAW_0: [record(offset) for offset in offsets]} if offsets else {}

    async def seek(self, tp, offset):
        self.seeks.append((tp, offset))

    async def seek_to_committed(self):
        for tp, offset in self.committed.items():
            if offset:  # as aiokafka: a partition without a committed offset stays where it is
                self.seeks.append((tp, offset))
        return dict(self.committed)


def patch_seek_to_committed(monkeypatch, seek_to_committed) -> None:
    """The aiokafka driver's seek to the committed offsets, which the consumer's own calls."""

    async def patched(consumer):
        return await seek_to_committed()

    monkeypatch.setattr(faust_transport.aiokafka_driver.Consumer, "seek_to_committed", patched)


@pytest.fixture
def broker(monkeypatch):
    consumer = consumer_of()
    broker = Broker(consumer, {RAW_0: 312})
    patch_seek_to_committed(monkeypatch, broker.seek_to_committed)
    # the raw topic's records are acknowledged (committed), as the app's agents make them
    monkeypatch.setattr(consumer.app.topics, "acks_enabled_for", lambda topic: "changelog" not in topic)
    consumer.resume_flow()
    broker.consumer = consumer
    return broker


async def handed_on(consumer: faust_transport.Consumer) -> list[int]:
    return [message.offset async for _, message in consumer.getmany(timeout=1.0)]


def test_records_of_a_fetch_are_handed_on_when_no_seek_came_between(broker):
    async def main():
        broker.fetches = [[312, 313, 314]]
        assert await handed_on(broker.consumer) == [312, 313, 314]
        assert broker.seeks == []

    asyncio.run(main())


def test_a_fetch_that_began_before_a_seek_hands_nothing_on_and_its_partition_goes_back_where_the_seek_put_it(broker):
    """Faust's recovery seeks the stream partitions while the fetcher runs: records 362.. of a
    fetch begun before that seek found the read offset reset to 312, and 313..361 counted as
    acknowledged, never enriched."""

    async def main():
        consumer = broker.consumer

        async def recovery_seeks():
            await consumer.perform_seek()

        broker.during_fetch = recovery_seeks
        broker.fetches = [[362, 363, 364]]
        assert await handed_on(consumer) == []
        assert broker.seeks == [(RAW_0, 312), (RAW_0, 312)]  # the recovery's seek, then back to where it put it
        assert consumer._read_offset[RAW_0] == 312
        broker.during_fetch = None
        broker.fetches = [[312, 313]]
        assert await handed_on(consumer) == [312, 313]  # the next fetch, begun after the seek

    asyncio.run(main())


def test_no_record_is_handed_on_while_a_seek_is_under_way(broker, monkeypatch):
    async def main():
        consumer = broker.consumer
        committed_fetched = asyncio.Event()
        seek_started = asyncio.Event()
        original = broker.seek_to_committed

        async def slow_seek_to_committed():
            seek_started.set()
            await committed_fetched.wait()  # the OffsetFetch round trip
            return await original()

        patch_seek_to_committed(monkeypatch, slow_seek_to_committed)
        broker.fetches = [[312, 313]]
        seeking = asyncio.ensure_future(consumer.perform_seek())
        await seek_started.wait()
        taking = asyncio.ensure_future(handed_on(consumer))
        await asyncio.sleep(0.05)
        assert not taking.done()  # the fetch came back during the seek: held
        committed_fetched.set()
        await seeking
        assert await taking == []  # fetched before the seek ended: void, and put back
        assert broker.seeks[-1] == (RAW_0, 312)

    asyncio.run(main())


def test_a_gap_shown_by_a_record_fetched_before_the_seek_is_not_counted_as_acknowledged(broker):
    async def main():
        consumer = broker.consumer
        consumer._fetch_began_at = consumer._seeks
        await consumer.perform_seek()  # during the drain loop's task switch between fetch and hand-off
        await consumer._add_gap(RAW_0, 313, 361)
        assert not consumer._gap[RAW_0]
        assert [offset for offset, _ in consumer._put_back.values()] == [312]

    asyncio.run(main())


def test_a_gap_within_a_fetch_begun_after_the_latest_seek_counts_as_faust_counts_it(broker):
    async def main():
        consumer = broker.consumer
        await consumer.perform_seek()
        consumer._fetch_began_at = consumer._seeks
        await consumer._add_gap(RAW_0, 320, 330)  # a compacted or transactional topic's hole
        assert {(i.begin, i.end) for i in consumer._gap[RAW_0]} == {(320, 331)}

    asyncio.run(main())


def test_after_a_failed_seek_nothing_is_handed_on_until_a_seek_succeeds(broker, monkeypatch):
    async def main():
        consumer = broker.consumer

        async def fails():
            raise ConnectionError("broker gone")

        patch_seek_to_committed(monkeypatch, fails)
        with pytest.raises(ConnectionError):
            await consumer.perform_seek()
        monkeypatch.setattr(faust_transport, "RETRY_SEEK", 0.0)
        broker.fetches = [[400, 401]]
        assert await handed_on(consumer) == []  # the seek fails again: it waits, fetches nothing
        assert broker.fetches == [[400, 401]]
        patch_seek_to_committed(monkeypatch, broker.seek_to_committed)
        broker.fetches = [[312, 313]]
        assert await handed_on(consumer) == [312, 313]
        assert broker.seeks == [(RAW_0, 312)]

    asyncio.run(main())


def test_a_seek_that_ends_while_the_last_record_of_a_fetch_is_handed_on_still_puts_its_partition_back(broker):
    """Faust's drain loop sets the read offset after the hand-off (which can wait for a full
    buffer): to the record's offset, over the one the seek had just reset."""

    async def main():
        consumer = broker.consumer
        broker.fetches = [[312, 313]]
        fetch = consumer.getmany(timeout=1.0)
        assert [(await anext(fetch))[1].offset, (await anext(fetch))[1].offset] == [312, 313]
        await consumer.perform_seek()  # while 313 is handed on
        with pytest.raises(StopAsyncIteration):
            await anext(fetch)
        assert broker.seeks == [(RAW_0, 312), (RAW_0, 312)]  # the seek, then back to where it put it

    asyncio.run(main())


def test_a_partition_without_a_committed_offset_goes_back_to_its_first_record_handed_on(broker):
    """The client leaves it where it is, though the records handed on before may be cleared unprocessed."""

    async def main():
        consumer = broker.consumer
        broker.committed[RAW_0] = None
        broker.fetches = [[0, 1, 2]]
        assert await handed_on(consumer) == [0, 1, 2]
        await consumer.perform_seek()
        assert broker.seeks == [(RAW_0, 0)]
        broker.fetches = [[0, 1, 2, 3]]
        assert await handed_on(consumer) == [0, 1, 2, 3]

    asyncio.run(main())


def test_a_put_back_pending_when_its_partition_is_revoked_is_dropped(broker):
    """Its next owner, this worker included, starts from the committed offsets; a put-back
    noted in the old generation would jump over records cleared unprocessed."""

    async def main():
        consumer = broker.consumer
        consumer._put_back[RAW_0] = (362, consumer._seeks)
        await consumer.on_partitions_revoked({RAW_0})
        assert RAW_0 not in consumer._put_back

    asyncio.run(main())


def test_a_changelog_partition_is_left_where_the_client_leaves_it(broker):
    """Never committed, a changelog is positioned by the table recovery itself."""

    async def main():
        consumer = broker.consumer
        changelog = TP("app-trends-chunks-changelog", 0)
        broker.committed[changelog] = None
        consumer._first_handed_on[changelog] = 0
        await consumer.perform_seek()
        assert broker.seeks == [(RAW_0, 312)]

    asyncio.run(main())

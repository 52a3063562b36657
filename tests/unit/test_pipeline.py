"""The batch pipeline without a broker: a batch whose enrichment raises is retried, then
dead-lettered record by record; batches are released in order, each only after its outputs
are acknowledged; enrichment of the next batch overlaps delivery of the previous one."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from streams.core.outcomes import BatchReport, Incoming
from streams.core_process import CoreProcessDied
from streams.pipeline import Pipeline, enrich_safely
from tests.unit.batches import FakeTopic, SlowAcks, enriched, incoming, senders


class FlakyEnricher:
    """Raises for every batch that holds a poison record, and for the first ``transient`` calls."""

    def __init__(self, transient: int = 0):
        self.calls: list[int] = []
        self.transient = transient

    async def __call__(self, items: list[Incoming]) -> BatchReport:
        self.calls.append(len(items))
        if len(self.calls) <= self.transient or any(b"POISON" in item.value for item in items):
            raise RuntimeError("boom")
        return enriched(items)


def test_a_transient_failure_is_retried_and_nothing_is_dead_lettered():
    enrich = FlakyEnricher(transient=1)
    report = asyncio.run(enrich_safely(enrich, incoming(5), delay=0))
    assert enrich.calls == [5, 5]
    assert [o.ok for o in report.outcomes] == [True] * 5


def test_a_poison_record_is_isolated_after_bounded_retries_and_dead_lettered_alone():
    enrich = FlakyEnricher()
    items = incoming(5, poison={2})
    report = asyncio.run(enrich_safely(enrich, items, attempts=3, delay=0))
    assert enrich.calls == [5, 5, 5, 1, 1, 1, 1, 1]  # 3 tries, then each record alone, once
    assert [o.ok for o in report.outcomes] == [True, True, False, True, True]
    letter = report.outcomes[2]
    assert letter.error == "enrichment_failed"
    assert letter.record["key"] == "k2" and letter.record["source_offset"]["offset"] == 2
    assert "RuntimeError('boom')" in letter.record["error"]["reason"]
    assert orjson.loads(letter.record["payload"]) == {"title": "POISON"}  # the whole record, for a replay


def test_an_enricher_that_always_raises_dead_letters_the_whole_batch():
    report = asyncio.run(enrich_safely(FlakyEnricher(transient=10**6), incoming(3), delay=0))
    assert [o.error for o in report.outcomes] == ["enrichment_failed"] * 3


def test_a_dead_core_process_is_not_the_records_fault_they_are_neither_retried_nor_dead_lettered():
    calls: list[int] = []

    async def enrich(items: list[Incoming]) -> BatchReport:
        calls.append(len(items))
        raise CoreProcessDied("the core process ended (exit code -9)")

    with pytest.raises(CoreProcessDied):
        asyncio.run(enrich_safely(enrich, incoming(3), delay=0))
    assert calls == [3]

    async def dies_on_the_second_record(items: list[Incoming]) -> BatchReport:
        calls.append(len(items))
        if len(items) > 1:
            raise RuntimeError("boom")
        if len(calls) > 5:
            raise CoreProcessDied("gone")
        return enriched(items)

    calls.clear()
    with pytest.raises(CoreProcessDied):
        asyncio.run(enrich_safely(dies_on_the_second_record, incoming(3), delay=0))
    assert calls == [3, 3, 3, 1, 1, 1]


# --- the pipeline ----------------------------------------------------------------------------------


class Recorder:
    """Enrichment and release that write down what happened, in order."""

    def __init__(self, events: list[str]):
        self.events = events

    async def enrich(self, items: list[Incoming]) -> BatchReport:
        self.events.append(f"enrich {items[0].key.decode()}")
        await asyncio.sleep(0)
        return enriched(items)

    async def release(self, token) -> None:
        self.events.append(f"release {token}")


async def _until(condition, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.001)


def _fatal_is_a_failure(*args):
    raise AssertionError(f"on_fatal called: {args}")


def test_the_next_batch_is_enriched_while_the_previous_one_waits_for_its_acknowledgements():
    async def scenario():
        events: list[str] = []
        recorder, topic = Recorder(events), SlowAcks()
        pipeline = Pipeline(recorder.enrich, senders(topic.send, FakeTopic().send), recorder.release,
                            on_fatal=_fatal_is_a_failure)
        first, second = incoming(2), incoming(4)[2:]
        await pipeline.submit(first, "first")
        await pipeline.submit(second, "second")
        await _until(lambda: "enrich k2" in events)
        assert events == ["enrich k0", "enrich k2"]  # the second batch is enriched, nothing is released
        assert [key for key, _ in topic.sent] == [b"k0", b"k1"]  # only the first batch is being delivered
        topic.ack_all()
        await _until(lambda: "release first" in events and len(topic.sent) == 4)
        assert "release second" not in events  # its outputs are sent, not yet acknowledged
        topic.ack_all()
        await pipeline.drain()
        assert events == ["enrich k0", "enrich k2", "release first", "release second"]
        pipeline.cancel()

    asyncio.run(scenario())


def test_at_most_depth_batches_are_in_flight():
    async def scenario():
        events: list[str] = []
        recorder, topic = Recorder(events), SlowAcks()
        pipeline = Pipeline(recorder.enrich, senders(topic.send, FakeTopic().send), recorder.release, depth=2,
                            on_fatal=_fatal_is_a_failure)
        await pipeline.submit(incoming(1), 1)
        await pipeline.submit(incoming(1), 2)
        third = asyncio.ensure_future(pipeline.submit(incoming(1), 3))
        await asyncio.sleep(0.05)
        assert not third.done()  # back-pressure: the consumer waits instead of buffering without bound
        topic.ack_all()
        await asyncio.wait_for(third, 2)
        while len(topic.sent) < 3 or not all(f.done() for f in topic.unacked):  # batch by batch
            topic.ack_all()
            await asyncio.sleep(0.001)
        await asyncio.wait_for(pipeline.drain(), 2)
        assert [e for e in events if e.startswith("release")] == ["release 1", "release 2", "release 3"]
        pipeline.cancel()

    asyncio.run(scenario())


def test_a_batch_whose_outputs_are_not_acknowledged_is_never_released_nor_are_the_ones_after_it():
    async def scenario():
        events: list[str] = []
        fatal: list[tuple] = []
        recorder = Recorder(events)
        pipeline = Pipeline(recorder.enrich, senders(FakeTopic(fail={b"k0"}).send, FakeTopic().send), recorder.release,
                            on_fatal=lambda *args: fatal.append(args))
        await pipeline.submit(incoming(1), "failing")
        await pipeline.submit(incoming(2)[1:], "next")
        await _until(lambda: bool(fatal))
        await asyncio.sleep(0.05)
        assert not [e for e in events if e.startswith("release")]
        assert fatal[0][2] == "deliver" and "DeliveryFailed" in repr(fatal[0][3])
        pipeline.cancel()

    asyncio.run(scenario())


def test_metrics_count_every_batch_once_it_is_released():
    from streams import metrics

    async def scenario():
        consumed, enriched_before = metrics.ARTICLES_CONSUMED._value.get(), metrics.ARTICLES_ENRICHED._value.get()
        in_flight = metrics.IN_FLIGHT._value.get()
        recorder = Recorder([])
        pipeline = Pipeline(recorder.enrich, senders(FakeTopic().send, FakeTopic().send), recorder.release,
                            on_fatal=_fatal_is_a_failure)
        for _ in range(3):
            await pipeline.submit(incoming(4), None)
        await pipeline.drain()
        pipeline.cancel()
        assert metrics.ARTICLES_CONSUMED._value.get() - consumed == 12
        assert metrics.ARTICLES_ENRICHED._value.get() - enriched_before == 12
        assert metrics.IN_FLIGHT._value.get() == in_flight

    asyncio.run(scenario())


def test_a_stopping_pipeline_finishes_the_batch_being_enriched_and_drops_the_ones_waiting():
    async def scenario():
        events: list[str] = []
        gate = asyncio.Event()

        async def slow_enrich(items):
            events.append(f"enrich {items[0].key.decode()}")
            await gate.wait()
            return enriched(items)

        async def release(token):
            events.append(f"release {token}")

        topic = FakeTopic()
        pipeline = Pipeline(slow_enrich, senders(topic.send, FakeTopic().send), release, depth=3,
                            on_fatal=_fatal_is_a_failure)
        batches = [incoming(6)[i : i + 2] for i in (0, 2, 4)]
        for number, batch in enumerate(batches):
            assert await pipeline.submit(batch, number)
        await _until(lambda: events == ["enrich k0"])
        assert pipeline.shed() == 4  # the two batches not started
        assert not await pipeline.submit(incoming(1), "late")  # nothing new once stopping
        gate.set()
        await asyncio.wait_for(pipeline.drain(), 2)
        assert events == ["enrich k0", "release 0"]  # the one being enriched went all the way
        assert [key for key, _ in topic.sent] == [b"k0", b"k1"]  # the dropped ones published nothing
        pipeline.cancel()

    asyncio.run(scenario())


def test_with_two_enrichments_at_once_batches_still_leave_in_the_order_they_came():
    async def scenario():
        events: list[str] = []
        gates = {key: asyncio.Event() for key in ("k0", "k2", "k4")}

        async def gated_enrich(items):
            key = items[0].key.decode()
            events.append(f"start {key}")
            await gates[key].wait()
            events.append(f"done {key}")
            return enriched(items)

        topic = FakeTopic()
        pipeline = Pipeline(gated_enrich, senders(topic.send, FakeTopic().send), Recorder(events).release, depth=4,
                            enrich_concurrency=2, on_fatal=_fatal_is_a_failure)
        for number, start in enumerate((0, 2, 4)):
            assert await pipeline.submit(incoming(6)[start : start + 2], number)
        await _until(lambda: events == ["start k0", "start k2"])  # two at once, the third waits for a slot
        gates["k2"].set()  # the second finishes first
        await _until(lambda: "start k4" in events)
        await asyncio.sleep(0.01)
        assert not [e for e in events if e.startswith("release")]  # it waits for the first
        gates["k0"].set()
        gates["k4"].set()
        await asyncio.wait_for(pipeline.drain(), 2)
        assert [e for e in events if e.startswith("release")] == ["release 0", "release 1", "release 2"]
        assert [key for key, _ in topic.sent] == [b"k0", b"k1", b"k2", b"k3", b"k4", b"k5"]
        pipeline.cancel()

    asyncio.run(scenario())


def test_with_two_enrichments_at_once_a_dead_core_releases_nothing_from_that_batch_on():
    async def scenario():
        events: list[str] = []
        fatal: list[tuple] = []

        async def enrich(items):
            if items[0].key == b"k2":
                raise CoreProcessDied("the core process (tag) ended (exit code -9)")
            await asyncio.sleep(0.02)
            return enriched(items)

        pipeline = Pipeline(enrich, senders(FakeTopic().send, FakeTopic().send), Recorder(events).release, depth=4,
                            enrich_concurrency=2, on_fatal=lambda *args: fatal.append(args))
        for number, start in enumerate((0, 2, 4)):
            await pipeline.submit(incoming(6)[start : start + 2], number)
        await _until(lambda: bool(fatal))
        await asyncio.sleep(0.05)
        assert events == ["release 0"] and fatal[0][2] == "enrich" and "CoreProcessDied" in repr(fatal[0][3])
        assert len(fatal) == 1
        pipeline.cancel()

    asyncio.run(scenario())


def test_a_dead_core_ends_the_process_at_once_and_no_later_batch_is_enriched():
    async def scenario():
        calls: list[bytes] = []
        fatal: list[tuple] = []

        async def enrich(items):
            calls.append(items[0].key)
            if items[0].key == b"k1":
                raise CoreProcessDied("the core process (all) ended (exit code -9)")
            return enriched(items)

        releases: list[str] = []
        pipeline = Pipeline(enrich, senders(SlowAcks().send, FakeTopic().send), Recorder(releases).release,
                            on_fatal=lambda *args: fatal.append(args))
        for number in range(3):  # depth 3: all in flight at once
            await pipeline.submit(incoming(3)[number : number + 1], number)
        await _until(lambda: bool(fatal))
        await asyncio.sleep(0.05)
        assert calls == [b"k0", b"k1"] and fatal[0][2] == "enrich" and len(fatal) == 1  # k2 is never started
        assert releases == []  # k0's outputs are not acknowledged yet, and nothing after k1 is ever released
        pipeline.cancel()

    asyncio.run(scenario())

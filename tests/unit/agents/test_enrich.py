"""The enrich agent under Faust's own test support (``agent.test_context()``): no broker.

Records put on the agent's channel go through the real agent loop and pipeline; the fake
senders hold their acknowledgements, so the tests see what is held, what is released
and in which parts.
"""

from __future__ import annotations

import asyncio

import orjson
import pytest

from streams.agents.enrich import enrich_agent
from streams.app import new_faust_app
from streams.config import load_settings
from streams.core.batching import BatchPolicy
from streams.core.outcomes import BatchReport, Incoming, Outcome, dead_outcome
from streams.core.records import ErrorCode
from streams.pipeline import Pipeline
from tests.unit.batches import FakeTopic, SlowAcks, senders


def fake_enrich(parts: list[list[Incoming]]):
    """Enriches ``{"title": ...}`` records; a record whose title is "bad" is dead-lettered."""

    async def enrich(incoming: list[Incoming]) -> BatchReport:
        parts.append(incoming)
        outcomes = []
        for item in incoming:
            title = orjson.loads(item.value)["title"]
            outcomes.append(dead_outcome(item, ErrorCode.SCHEMA_VIOLATION, "bad") if title == "bad"
                            else Outcome(key=title, record={"id": title, "entities": [], "countries": []}))
        return BatchReport(outcomes=outcomes)

    return enrich


def _fatal_is_a_failure(*args):
    raise AssertionError(f"on_fatal called: {args}")


@pytest.fixture
def app(tmp_path):
    return new_faust_app(load_settings(broker="kafka://127.0.0.1:9", data_dir=str(tmp_path)))


def agent_under_test(app, policy: BatchPolicy, enriched: FakeTopic, dead: FakeTopic, parts: list):
    function = enrich_agent(
        lambda release: Pipeline(fake_enrich(parts), senders(enriched.send, dead.send), release,
                                 on_fatal=_fatal_is_a_failure),
        policy,
    )
    return app.agent(app.channel(), name="enrich-under-test")(function)


async def put_as_consumed(test_agent, value: bytes, key: bytes):
    """``test_agent.put``, with the reference Faust's consumer holds on a record it hands to a stream.

    The channel of the test context hands records over without it, so a record would be
    committable as soon as the agent's batch loop acks it, hold or no hold.
    """
    message = test_agent.to_message(key, value, offset=test_agent.sent_offset)
    message.incref()
    test_agent.sent_offset += 1
    channel = test_agent.stream().channel
    event = await channel.decode(message)
    await channel.put(event)
    return event


async def _until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


def test_records_are_held_until_their_outputs_are_acknowledged_then_released(app):
    async def scenario():
        enriched, dead, parts = SlowAcks(), SlowAcks(), []
        agent = agent_under_test(app, BatchPolicy(size=3, wait=0.05), enriched, dead, parts)
        async with agent.test_context() as test_agent:
            events = [await put_as_consumed(test_agent, orjson.dumps({"title": title}), title.encode())
                      for title in ("a", "b", "bad")]
            await _until(lambda: len(enriched.sent) + len(dead.sent) == 3)
            assert [key for key, _ in enriched.sent] == [b"a", b"b"]  # keyed by the article id
            assert [key for key, _ in dead.sent] == [b"bad"]  # a dead letter keeps the input's key
            await asyncio.sleep(0.05)
            assert not any(event.message.acked for event in events)  # nothing committable yet
            enriched.ack_all()
            await asyncio.sleep(0.05)
            assert not any(event.message.acked for event in events)  # the dead letter is not acknowledged
            dead.ack_all()
            await _until(lambda: all(event.message.acked for event in events))
            assert all(event.message.value is None for event in events)  # payloads dropped once released

    asyncio.run(scenario())


def test_a_batch_is_enriched_in_parts_within_the_byte_budget_in_order(app):
    async def scenario():
        enriched, dead, parts = FakeTopic(), FakeTopic(), []
        values = [orjson.dumps({"title": f"t{i}", "body": "x" * 100}) for i in range(6)]
        budget = 2 * len(values[0])  # two records a part
        agent = agent_under_test(app, BatchPolicy(size=6, wait=0.2, max_bytes=budget), enriched, dead, parts)
        async with agent.test_context() as test_agent:
            for index, value in enumerate(values):
                await put_as_consumed(test_agent, value, f"t{index}".encode())
            await _until(lambda: len(enriched.sent) == 6)
        assert sum(len(part) for part in parts) == 6
        assert all(sum(len(item.value) for item in part) <= budget for part in parts)
        assert [key for key, _ in enriched.sent] == [f"t{i}".encode() for i in range(6)]  # input order kept
        assert [item.source.offset for part in parts for item in part] == list(range(6))

    asyncio.run(scenario())


def test_no_batch_holds_more_records_than_the_policy_allows(app):
    async def scenario():
        enriched, dead, parts = FakeTopic(), FakeTopic(), []
        agent = agent_under_test(app, BatchPolicy(size=4, wait=0.2), enriched, dead, parts)
        async with agent.test_context() as test_agent:
            for index in range(10):
                await put_as_consumed(test_agent, orjson.dumps({"title": f"t{index}"}), b"k")
            await _until(lambda: len(enriched.sent) == 10)
        assert max(len(part) for part in parts) <= 4

    asyncio.run(scenario())

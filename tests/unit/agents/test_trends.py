"""The trends agents under Faust's own test support (``agent.test_context()``): no broker.

The route and count agents are the ones ``attach`` registers; the producer is a recorder, so the tests see
what each stage sends (contributions, changelog writes, trend records), in which order, and what a restart
would recover.
"""

from __future__ import annotations

import asyncio

import orjson
import pytest

from streams.agents import trends as trends_module
from streams.agents.trends import SEAL_KEY, TRENDS_DUPLICATES, TRENDS_INVALID, Trends, attach, parse_chunk_key
from streams.app import new_faust_app
from streams.config import load_settings
from streams.core.trends import Contribution
from tests.unit.agents.test_enrich import _until, put_as_consumed

#: A moment inside a 20 s route window (aligned to the epoch), far from its edges.
T0 = 1_800_000_005_000


class Recorder:
    """app.producer: every send acknowledged at once; ``changelog`` lists the writes to ``changelog_topic``."""

    def __init__(self):
        self.sent: list[tuple[str, bytes, bytes, object]] = []
        self.changelog: list[tuple[int, bytes, bytes | None]] = []
        self.changelog_topic = None

    async def send(self, topic, key, value, partition, timestamp, headers):
        self.sent.append((topic, key, value, headers))
        if topic == self.changelog_topic:
            self.changelog.append((partition, key, value))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@pytest.fixture
def settings(tmp_path):
    return load_settings(broker="kafka://127.0.0.1:9", data_dir=str(tmp_path), trends_windows="10s,20s",
                         trends_grace=5.0, trends_top=100, trends_update_interval=1.0)


@pytest.fixture
def wired(settings, monkeypatch):
    """(app, trends, producer, changelog): the agents attached, sends and changelog writes recorded."""
    app = new_faust_app(settings)
    producer = Recorder()
    app.producer = producer
    trends = attach(app, settings)
    producer.changelog_topic = trends.table.changelog_topic.get_topic_name()
    monkeypatch.setattr(trends_module, "now_ms", lambda: T0 + 1_000)
    return app, trends, producer, producer.changelog


def agent_named(app, suffix: str):
    return next(agent for name, agent in app.agents.items() if name.endswith(suffix))


def feed(app, agent_suffix: str, inputs, done) -> None:
    """Put (key, value) inputs on the named agent's channel under its test context, until ``done(events)``."""

    async def scenario():
        async with agent_named(app, agent_suffix).test_context() as test_agent:
            events = [await put_as_consumed(test_agent, value, key) for key, value in inputs]
            await _until(lambda: done(events))

    asyncio.run(scenario())


def enriched(article_id: str, t_ms: int, countries=("IR",), content_hash: str = "h1") -> bytes:
    tags = [{"code": code, "name": code, "focus": i == 0} for i, code in enumerate(countries)]
    return orjson.dumps({"id": article_id, "content_hash": content_hash, "source_offset": {"timestamp_ms": t_ms},
                         "countries": tags,
                         "entities": [{"text": "Masoud  Pezeshkian", "label": "PERSON"}]})


def contribution(article_id: str, t_ms: int, countries=("IR",), content_hash: str = "h1") -> bytes:
    return orjson.dumps(Contribution(id=article_id, content_hash=content_hash, t_ms=t_ms, countries=countries,
                                     focus=countries[:1], places=countries).as_dict())


def test_route_sends_each_article_to_the_partition_of_its_route_window_and_skips_a_bad_record(wired):
    app, trends, producer, _ = wired

    invalid_before = TRENDS_INVALID._value.get()
    inputs = ((b"a", enriched("a", T0)), (b"bad", b"{not json"), (b"b", enriched("b", T0 + 20_000)))
    feed(app, "trends-route", inputs, lambda events: len(producer.sent) == 2 and all(e.message.acked for e in events))
    topic = trends.contributions.get_topic_name()
    assert [(t, key) for t, key, _, _ in producer.sent] == [(topic, b"1800000000000"), (topic, b"1800000020000")]
    assert orjson.loads(producer.sent[0][2])["id"] == "a"
    assert TRENDS_INVALID._value.get() == invalid_before + 1  # counted and logged; the stream went on


def test_count_persists_one_chunk_per_partition_and_route_and_a_replay_counts_once(wired):
    app, trends, producer, changelog = wired

    duplicates_before = TRENDS_DUPLICATES._value.get()
    inputs = ((b"r", contribution("a", T0)), (b"r", contribution("b", T0, ("IR", "IQ"))),
              (b"r", contribution("a", T0)))  # the last: a replay after a crash
    feed(app, "trends-count", inputs, lambda events: all(e.message.acked for e in events))
    assert len(changelog) == 1  # one record on its partition: already a one-record batch, no seal needed
    partition, key, value = changelog[0]
    assert parse_chunk_key(key)[:2] == (1_800_000_000_000, partition)
    assert sorted(item["id"] for item in orjson.loads(value)) == ["a", "b"]
    assert TRENDS_DUPLICATES._value.get() == duplicates_before + 1
    window = next(w for w, _ in trends.state.due(T0 + 1_000) if w.size == 10)
    assert len(window.members) == 2 and window.top("country", 5)[0] == {"key": "IR", "count": 2}


def test_several_records_on_one_partition_end_with_a_seal_of_their_own(wired):
    _, trends, producer, changelog = wired
    # two route windows in one batch, both on partition 0: two records, then the seal after a flush
    events = [fake_event(0, 1, contribution("a", T0)), fake_event(0, 2, contribution("b", T0 + 20_000)),
              fake_event(1, 3, contribution("c", T0))]
    asyncio.run(trends.count(events))
    assert [(p, key == SEAL_KEY) for p, key, _ in changelog] == [(0, False), (0, False), (1, False), (0, True)]


def test_a_restart_rebuilds_the_same_counts_from_the_table_and_publishes_finals_then_forgets(wired, settings,
                                                                                         monkeypatch):
    app, trends, producer, changelog = wired

    async def count_then_restart():
        await trends.count([fake_event(0, 7, contribution("a", T0)), fake_event(0, 8, contribution("b", T0))])
        restarted = Trends(new_faust_app(settings), settings)
        restarted.table.data.update({key: value for _, key, value in changelog})  # what recovery reads back
        restarted.app.producer = producer
        monkeypatch.setattr(type(restarted.app), "consumer", FakeConsumer(restarted.contributions.get_topic_name()))
        await restarted.rebuild()
        return restarted

    restarted = asyncio.run(count_then_restart())
    before = {(w.start_ms, w.size): (len(w.members), w.top("country", 5)) for w, _ in trends.state.due(T0)}
    after = {(w.start_ms, w.size): (len(w.members), w.top("country", 5)) for w, _ in restarted.state.due(T0)}
    assert after == before and len(after) == 2

    closed = T0 - 5_000 + 20_000 + 5_000 + 1  # the route window's end plus the grace period
    monkeypatch.setattr(trends_module, "now_ms", lambda: closed)
    producer.sent.clear()
    changelog.clear()
    asyncio.run(restarted.publish())
    finals = [orjson.loads(value) for topic, _, value, _ in producer.sent if topic == settings.topic_trends]
    assert finals and all(record["final"] for record in finals)
    assert {record["articles"] for record in finals} == {2}
    assert changelog and all(value is None for _, _, value in changelog)  # the closed route's chunks deleted
    assert restarted.table.data == {} and restarted.state.open_windows() == 0


def test_a_recovery_cut_short_by_a_newer_rebalance_rebuilds_nothing(wired, settings, monkeypatch):
    app, trends, producer, changelog = wired

    async def count_then_stale_recovery():
        await trends.count([fake_event(0, 7, contribution("a", T0)), fake_event(0, 8, contribution("b", T0))])
        restarted = Trends(new_faust_app(settings), settings)
        # the table half read (here: nothing yet), and a newer rebalance waiting to recover
        monkeypatch.setattr(type(restarted.app), "consumer", FakeConsumer(restarted.contributions.get_topic_name()))
        restarted.app.tables.recovery.signal_recovery_start.set()
        await restarted.rebuild()
        stale_ready = restarted.ready
        restarted.app.tables.recovery.signal_recovery_start.clear()  # the new recovery read everything
        restarted.table.data.update({key: value for _, key, value in changelog})
        await restarted.rebuild()
        return stale_ready, restarted

    stale_ready, restarted = asyncio.run(count_then_stale_recovery())
    assert not stale_ready  # nothing published from the half-read table
    assert restarted.ready and restarted.state.tracked_articles() == trends.state.tracked_articles() > 0


class FakeConsumer:
    """app.consumer for ``rebuild``: this process owns every partition of the contributions topic."""

    def __init__(self, topic: str):
        from faust.types import TP

        self._tps = {TP(topic, p) for p in range(8)}

    def assignment(self):
        return self._tps


def fake_event(partition: int, offset: int, value: bytes):
    class Message:
        topic = "contributions"

    message = Message()
    message.partition, message.offset, message.value = partition, offset, value

    class Event:
        pass

    event = Event()
    event.message = message
    return event


def test_a_batch_is_done_only_once_its_changelog_writes_are_acknowledged(wired):
    """The batch's offsets become committable when count() returns: its chunk must be durable by then."""
    _, trends, producer, changelog = wired
    pending = []

    async def held_send(topic, key, value, partition, timestamp, headers):
        changelog.append((partition, key, value))
        pending.append(asyncio.get_running_loop().create_future())
        return pending[-1]

    producer.send = held_send

    async def scenario():
        task = asyncio.create_task(trends.count([fake_event(0, 1, contribution("a", T0))]))
        await asyncio.sleep(0.05)
        assert len(changelog) == 1 and not task.done()  # sent, not yet acknowledged: the batch waits
        pending[0].set_result(None)
        await asyncio.wait_for(task, 1.0)

    asyncio.run(scenario())


@pytest.mark.parametrize("agent_suffix", ["trends-route", "trends-count"])
def test_a_batch_cut_short_by_a_stop_stays_uncommitted(wired, agent_suffix):
    """A graceful stop cancels the agent mid-batch: Faust's take_events acks the batch anyway, the hold must not."""
    app, trends, producer, changelog = wired
    sends: list[asyncio.Future] = []

    async def never_acknowledged(topic, key, value, partition, timestamp, headers):
        sends.append(asyncio.get_running_loop().create_future())
        return sends[-1]

    producer.send = never_acknowledged
    value = enriched("a", T0) if agent_suffix == "trends-route" else contribution("a", T0)

    async def scenario():
        async with agent_named(app, agent_suffix).test_context() as test_agent:
            events = [await put_as_consumed(test_agent, value, b"a")]
            await _until(lambda: bool(sends))  # the batch is being written when the agent is stopped
        await asyncio.sleep(0.05)
        return events

    events = asyncio.run(scenario())
    assert not events[0].message.acked  # the next owner of its partition counts it


def test_a_recovery_that_does_not_finish_is_reported_in_the_log(wired, caplog):
    """Not rebuilt 30 s after a revocation: a warning, then again every 30 s, not at every tick."""
    _, trends, producer, _ = wired

    async def ticks():
        await trends.on_revoked()
        for back in (0.0, 30.0, 0.0, 30.0):  # moments 0, 30, 30 and 60 s after it (the real clock, moved back)
            trends.revoked_at -= back
            trends.warned_at -= back
            await trends.publish()

    with caplog.at_level("WARNING", logger=trends_module.__name__):
        asyncio.run(ticks())
    said = [r.getMessage() for r in caplog.records if "not rebuilt" in r.getMessage()]
    assert len(said) == 2 and "30 s" in said[0] and "60 s" in said[1]
    assert producer.sent == []


def test_the_counting_batch_waits_its_gathering_time_but_a_rebalance_counts_it_at_once(wired):
    """A revocation waits for every record handed over: a batch still gathering must not make it wait."""
    app, trends, producer, changelog = wired
    wait = trends_module.count_wait(trends.settings.trends_grace)

    async def scenario():
        async with agent_named(app, "trends-count").test_context() as test_agent:
            events = [await put_as_consumed(test_agent, contribution("a", T0), b"r")]
            await asyncio.sleep(wait / 2)
            assert changelog == [] and not events[0].message.acked  # still gathering
            app.rebalancing = True
            began = asyncio.get_running_loop().time()
            await _until(lambda: events[0].message.acked)
            return asyncio.get_running_loop().time() - began

    took = asyncio.run(scenario())
    assert len(changelog) == 1 and took < wait / 4, f"counted {took:.2f} s after the rebalance began"


def test_a_gathered_batch_is_counted_once_it_is_as_old_as_the_wait(wired):
    app, trends, _, changelog = wired
    wait = trends_module.count_wait(trends.settings.trends_grace)

    async def scenario():
        async with agent_named(app, "trends-count").test_context() as test_agent:
            began = asyncio.get_running_loop().time()
            events = [await put_as_consumed(test_agent, contribution(name, T0), b"r") for name in "ab"]
            await _until(lambda: all(e.message.acked for e in events))
            return asyncio.get_running_loop().time() - began

    took = asyncio.run(scenario())
    assert wait <= took < wait + 0.5 and len(changelog) == 1  # both in one chunk

"""The trends agents: enriched articles in, exact counts per tumbling window out (``streams.core.trends``).

Two stages, so that with N processes each window is counted whole by one of them:

1. ``route``: every enriched article becomes a ``Contribution`` sent to an internal topic keyed by its
   *route window* (the largest window holding it), so all articles of a window land on one
   partition. The input is acked only after those sends are acknowledged (a crash replays it).
2. ``count``: offers each contribution to the ``TrendState`` (one membership per window and article
   id: a replay changes nothing) and writes what it accepted, one batch per table entry, to the
   changelog-backed table ``trends-chunks``, sent to the changelog directly and acknowledged
   before the batch is acked, so an input's chunk is durable before its offset can be committed:
   a crash loses no count, and a replayed input is a duplicate of a chunk already restored.
   Both stages hold their batch's records (``held_batches``) until its work is acknowledged, so a
   batch cut short by a stop or a rebalance is never committed.
   (Not through ``Table.send_changelog``: its buffer is drained by a background task, and Faust's
   flush gives up waiting on it after 0.1 s, so a loaded process could commit an input whose
   chunk was still in memory.)

After a rebalance or a restart the counts are rebuilt from the recovered chunks, never carried:
so they are a function of the table, and the table of inputs counted once per (window, id).
A timer publishes changed windows every few seconds and each window, once closed, as final
(the counting and the publishing hold one lock, so a record never reflects a count not yet durable),
then deletes the closed route window's chunks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import faust
import orjson
from faust.types import EventT, StreamT
from prometheus_client import Counter, Gauge

from streams.config import Settings
from streams.core.headers import trends_headers
from streams.core.trends import (
    BadTrendInput,
    Contribution,
    TrendState,
    contribution_of,
    format_duration,
    trend_records,
    window_sizes,
)
from streams.pipeline import exit_now
from streams.recovery_watch import RecoveryWatch

log = logging.getLogger(__name__)

TRENDS_LATE = Counter("newsstream_trends_late_articles_total",
                      "Articles that came after their window closed (end + grace), by window size.", ["window"])
TRENDS_INVALID = Counter("newsstream_trends_invalid_records_total",
                         "Enriched records the trends could not use (logged and skipped).")
TRENDS_DUPLICATES = Counter("newsstream_trends_duplicates_total", "Articles offered again to a window that has them.")
TRENDS_OPEN = Gauge("newsstream_trends_windows_open", "Windows not yet final, held by this process.")
TRENDS_ARTICLES = Gauge("newsstream_trends_tracked_articles", "Article memberships held in open windows.")
TRENDS_TABLE = Gauge("newsstream_trends_table_entries", "Entries of the trends table held by this process.")
TRENDS_RECOVERY = Gauge("newsstream_trends_recovery_seconds",
                        "Seconds from the last partition revocation (or start) until the counts were rebuilt.")

#: Seconds between checks for windows to publish (a final record goes out within this of its close).
PUBLISH_TICK = 0.25
#: Seconds between looks at a table recovery (``RecoveryWatch``).
WATCH_TICK = 1.0
#: Seconds without a rebuild after a revocation before the timer says so in the log (then as often).
SLOW_RECOVERY = 30.0
BATCH, BATCH_WAIT = 500, 0.2
#: Seconds between checks whether the counting stage's gathered batch is due (``Gathered``).
GATHER_CHECK = 0.1


def count_wait(grace: float) -> float:
    """Seconds the counting stage gathers a batch: one chunk per wait and route window is what the changelog
    holds and a restart replays (Faust's recovery costs per record more than per byte), so longer waits
    recover faster; a sixth of the grace period (1-5 s) keeps an article gathered near the grace's end
    from arriving late. A day at 10 articles/s: 17,280 chunks, not 864,000 entries."""
    return max(1.0, min(5.0, grace / 6))


#: A key never given a value: its tombstone, sent alone once the records before it are acknowledged, ends a changelog
#: partition that got several records at once (``Trends.persist``).
SEAL_KEY = b"~seal"


def now_ms() -> int:
    return int(time.time() * 1000)


def chunk_key(route_ms: int, partition: int, offset: int) -> bytes:
    return f"{route_ms}|{partition}|{offset}".encode()


def parse_chunk_key(key: bytes) -> tuple[int, int, int]:
    route, partition, offset = key.decode().split("|")
    return int(route), int(partition), int(offset)


class Trends:
    """The shell around one ``TrendState``: what the agents, the timer and the rebalance hooks share."""

    def __init__(self, app: faust.App, settings: Settings):
        self.app, self.settings = app, settings
        self.sizes = window_sizes(settings.trends_windows)
        self.state = self.new_state()
        self.ready = False
        self.revoked_at = time.monotonic()
        self.last_update = 0.0
        self.warned_at = 0.0
        self.changelog_lock = asyncio.Lock()
        self.contributions = app.topic(f"{settings.app_id}-trends-contributions", internal=True,
                                       partitions=settings.topic_partitions, key_serializer="raw",
                                       value_serializer="raw")
        self.table = app.Table("trends-chunks", default=None, partitions=settings.topic_partitions,
                               key_type=bytes, value_type=bytes, on_recover=self.rebuild)  # raw bytes both

    def new_state(self) -> TrendState:
        return TrendState(sizes=self.sizes, grace_ms=round(self.settings.trends_grace * 1000),
                          horizon_ms=round(self.settings.trends_retention * 1000))

    # --- stage 1 ---------------------------------------------------------------------------------

    def contribution(self, value: bytes | None, where: str) -> Contribution | None:
        try:
            return contribution_of(orjson.loads(value or b"null"), basis=self.settings.trends_time)
        except (orjson.JSONDecodeError, BadTrendInput) as exc:
            TRENDS_INVALID.inc()
            log.warning("trends: skipping the enriched record at %s: %s", where, exc)
            return None

    async def route(self, events: Iterable[EventT]) -> None:
        """Send each article's contribution to the partition of its route window; wait for the acks."""
        topic = self.contributions.get_topic_name()
        sent = []
        for event in events:
            message = event.message
            item = self.contribution(message.value, f"{message.topic}/{message.partition}@{message.offset}")
            if item is not None:
                key = str(self.state.route_of(item.t_ms)).encode()
                sent.append(await self.app.producer.send(topic, key, orjson.dumps(item.as_dict()), None, None, None))
        if sent:
            await asyncio.gather(*sent)

    # --- stage 2 ---------------------------------------------------------------------------------

    async def count(self, events: list[EventT]) -> None:
        """Offer a batch to the windows, then persist what they accepted: one chunk per partition and route."""
        async with self.changelog_lock:  # publish() never sees counts that are not durable yet
            await self._count(events)

    async def _count(self, events: list[EventT]) -> None:
        now = now_ms()
        chunks: dict[tuple[int, int], tuple[int, list[dict[str, Any]]]] = {}
        for event in events:
            message = event.message
            try:
                item = Contribution.from_dict(orjson.loads(message.value or b"null"))
            except (orjson.JSONDecodeError, BadTrendInput, AttributeError) as exc:
                TRENDS_INVALID.inc()
                log.warning("trends: skipping the contribution at %s/%d@%d: %s", message.topic, message.partition,
                            message.offset, exc)
                continue
            accepted, late = self.state.offer(item, now)
            for size in late:
                TRENDS_LATE.labels(format_duration(size)).inc()
            if accepted is None:
                if not late:
                    TRENDS_DUPLICATES.inc()
                continue
            route = self.state.route_of(item.t_ms)
            chunks.setdefault((message.partition, route), (message.offset, []))[1].append(accepted.as_dict())
        if not chunks:
            return
        writes = []
        for (partition, route), (offset, items) in chunks.items():
            key, value = chunk_key(route, partition, offset), orjson.dumps(items)
            self.table.data[key] = value
            self.state.add_chunk(route, key)
            writes.append((partition, key, value))
        await self.persist(writes)  # durable before the batch is acked, so before its offsets can be committed

    async def persist(self, writes: list[tuple[int, bytes, bytes | None]]) -> None:
        """Send (partition, key, value) records to the table's changelog and wait for their acknowledgements;
        then end each partition that got several with a one-record batch (a tombstone of ``SEAL_KEY``).

        Faust recovers a table up to the offset ListOffsets(latest) answers, and a broker may answer the
        last record batch's base offset + 1 rather than the high watermark (the embedded one does): a
        restart after a multi-record batch would then restore only that batch's first record, and publish
        finals counted from part of a window. A one-record last batch makes both answers the same.
        """
        topic = self.table.changelog_topic.get_topic_name()  # the caller holds the lock: one writer at a time
        await asyncio.gather(*[await self.app.producer.send(topic, key, value, partition, None, None)
                               for partition, key, value in writes])
        written = [partition for partition, _, _ in writes]
        several = sorted({partition for partition in written if written.count(partition) > 1})
        await asyncio.gather(*[await self.app.producer.send(topic, SEAL_KEY, None, partition, None, None)
                               for partition in several])

    # --- rebalances --------------------------------------------------------------------------------

    async def on_revoked(self, *args: Any, **kwargs: Any) -> None:
        """Counts of partitions we may lose must not be published: wait for the rebuild."""
        self.ready = False
        self.revoked_at = time.monotonic()

    async def rebuild(self) -> None:
        """After recovery: the counts again from the chunks of the partitions this process owns now
        (after any batch still being counted: its chunks are in the table by then).

        Not after a recovery a newer rebalance cut short: Faust then ends the old one as if it had
        read everything (the new assignment empties what it waited for) and calls this before the
        new recovery starts, with the table half read. Publishing from that made finals short of
        articles (a test run of 2026-12-07: 30 of 160); the new recovery's end rebuilds instead."""
        if self.app.tables.recovery.signal_recovery_start.is_set():  # a newer rebalance waits to recover
            log.info("trends: a recovery cut short by a newer rebalance ended; waiting for the next one")
            return
        async with self.changelog_lock:
            self._rebuild()

    def _rebuild(self) -> None:
        owned = {tp.partition for tp in self.app.consumer.assignment()
                 if tp.topic == self.contributions.get_topic_name()}
        state, entries = self.new_state(), []
        self.table.data.pop(SEAL_KEY, None)
        for key, value in list(self.table.data.items()):
            route, partition, offset = parse_chunk_key(key)
            if partition not in owned or value is None:
                del self.table.data[key]  # another process's now (the memory store keeps what it recovered)
                continue
            entries.append(((route, partition, offset), key, value))
        for (route, _, _), key, value in sorted(entries):
            for data in orjson.loads(value):
                state.restore(Contribution.from_dict(data))
            state.add_chunk(route, key)
        self.state, self.ready = state, True
        took = time.monotonic() - self.revoked_at
        TRENDS_RECOVERY.set(took)
        log.info("trends: %d chunks of %d partitions restored in %.1f s: %d windows open, %d articles",
                 len(entries), len(owned), took, state.open_windows(), state.tracked_articles())

    # --- publishing ----------------------------------------------------------------------------------

    async def publish(self) -> None:
        """Changed windows every update interval; closed windows at once, as final; then forget them."""
        if not self.ready:
            self.warn_if_recovery_is_slow()
            return
        async with self.changelog_lock:
            await self._publish()

    def warn_if_recovery_is_slow(self) -> None:
        """A recovery that does not finish keeps every stream partition paused: say so (README, "Trends")."""
        clock = time.monotonic()
        waited = clock - self.revoked_at
        if waited >= SLOW_RECOVERY and clock - self.warned_at >= SLOW_RECOVERY:
            self.warned_at = clock
            log.warning("trends: counts not rebuilt %.0f s after the last revocation: the table's recovery has not "
                        "finished, and this process consumes nothing until it does", waited)

    async def _publish(self) -> None:
        now, clock = now_ms(), time.monotonic()
        updates = clock - self.last_update >= self.settings.trends_update_interval
        due = [(window, final) for window, final in self.state.due(now) if final or updates]
        records = []
        for window, final in due:
            records += trend_records(window, top=self.settings.trends_top, final=final, now_ms=now)
            self.state.published(window, final)
        if updates:
            self.last_update = clock
        sent = [await self.app.producer.send(self.settings.topic_trends, key.encode(), orjson.dumps(record), None,
                                             None, trends_headers(key, record, source=self.settings.app_id))
                for key, record in records]
        await asyncio.gather(*sent)
        dropped = [key for route in self.state.closed_routes(now) for key in self.state.drop_route(route)]
        for key in dropped:
            self.table.data.pop(key, None)
        if dropped:
            await self.persist([(parse_chunk_key(key)[1], key, None) for key in dropped])
        TRENDS_OPEN.set(self.state.open_windows())
        TRENDS_ARTICLES.set(self.state.tracked_articles())
        TRENDS_TABLE.set(len(self.table.data))


async def held_batches(stream: StreamT, size: int, within: float) -> AsyncIterator[list[EventT]]:
    """``stream.take_events`` with every event held (``Message.incref``) until ``release``.

    Faust's ``take_events`` acks each batch in a ``finally``, whatever became of it: a batch cut
    short by a graceful stop (its agent cancelled mid-persist) would be committed uncounted. Held,
    it stays uncommitted, and the partition's next owner counts it (a replay is a duplicate).
    """
    async for events in stream.take_events(size, within=within):
        for event in events:
            event.message.incref()
        yield events


async def release(stream: StreamT, events: list[EventT]) -> None:
    """The batch's work is durable: drop the holds, so Faust may commit its offsets."""
    for event in events:
        await stream.ack(event)


class Gathered:
    """The counting stage's batch: gathered from short takes, counted once it is ``wait`` old or ``size``
    long, and at once when a rebalance begins.

    A revocation waits until every record handed to an agent is acked, and Faust's ``take_events`` hands
    over nothing before its whole wait has passed: taken whole, the stage's 1-5 s wait delayed every
    rebalance, and every final of a window closing during one, by up to that much.
    """

    def __init__(self, stream: StreamT, count: Callable[[list[EventT]], Awaitable[None]], wait: float, size: int,
                 rebalancing: Callable[[], bool]):
        self.stream, self.count, self.wait, self.size, self.rebalancing = stream, count, wait, size, rebalancing
        self.events: list[EventT] = []
        self.since = 0.0

    def add(self, events: Iterable[EventT]) -> None:
        if not self.events:
            self.since = time.monotonic()
        self.events.extend(events)

    def due(self) -> bool:
        return bool(self.events) and (len(self.events) >= self.size or self.rebalancing()
                                      or time.monotonic() - self.since >= self.wait)

    async def flush(self) -> None:
        events, self.events = self.events, []
        await self.count(events)
        await release(self.stream, events)

    async def flush_when_due(self) -> None:
        """The stream hands nothing over while a rebalance pauses it: so a timer, not the next take."""
        while True:
            await asyncio.sleep(GATHER_CHECK)
            if self.due():
                await self.flush()


def guarded(step: Any, what: str) -> Any:
    """Anything but a bad record (handled inside) ends the process uncommitted: Faust would ack the batch."""

    async def run(*args: Any) -> None:
        try:
            await step(*args)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the restart redoes it; committing it would lose counts
            exit_now("trends: %s failed; exiting uncommitted so that a restart redoes it", what)

    return run


def attach(app: faust.App, settings: Settings) -> Trends:
    """Register the two agents, the table and the publishing timer on ``app``."""
    trends = Trends(app, settings)
    route, count = guarded(trends.route, "routing a batch"), guarded(trends.count, "counting a batch")

    async def route_agent(stream: StreamT) -> None:
        async for events in held_batches(stream, BATCH, BATCH_WAIT):
            await route(events)
            await release(stream, events)

    async def count_agent(stream: StreamT) -> None:
        gathered = Gathered(stream, count, count_wait(settings.trends_grace), BATCH, lambda: app.rebalancing)
        flusher = asyncio.ensure_future(guarded(gathered.flush_when_due, "counting a batch")())
        try:
            async for events in held_batches(stream, BATCH, BATCH_WAIT):
                gathered.add(events)
                if gathered.due():
                    await gathered.flush()
        finally:
            flusher.cancel()

    enriched = app.topic(settings.topic_enriched, key_serializer="raw", value_serializer="raw")
    app.agent(enriched, name="trends-route")(route_agent)
    app.agent(trends.contributions, name="trends-count")(count_agent)
    publish = guarded(trends.publish, "publishing trends")

    async def publish_tick() -> None:  # no parameter: Faust then passes no app
        await publish()

    app.timer(PUBLISH_TICK, name="trends-publish")(publish_tick)
    watch = RecoveryWatch(app)

    async def watch_tick() -> None:
        try:
            await watch.check()
        except Exception:  # noqa: BLE001 - a failed remedy is logged; the next tick looks again
            log.exception("table recovery: the stall check failed")

    app.timer(WATCH_TICK, name="recovery-watch")(watch_tick)
    app.on_partitions_revoked.connect(trends.on_revoked)
    return trends

"""The Faust app: topics and the enrichment agent, a thin shell around ``streams.core.enrich``.

Flow: the agent takes up to ``batch_size`` raw events (waiting at most ``batch_wait``),
holds them (``Message.incref``: Faust may not commit them yet), and hands them to the
``streams.pipeline`` (in parts of at most ``batch_max_bytes`` of raw records: every record
is copied several times on its way through): enriched in a worker thread, published,
acknowledged by the broker, and only then released, so Faust, which commits acked offsets only and only up to the
first one still held, commits an input offset after its outputs are durable:
at-least-once. While one batch is delivered the next is already being enriched.

Faust's ``take_events`` acks every batch in a ``finally``, whatever became of it; the
hold is what keeps an unfinished batch (an exception, a cancelled agent, a stop) from
being committed. Failures (README: "Failures"):

- ``enrich_batch`` raises (it should not: it dead-letters bad records itself): the batch
  is tried again a few times, then record by record, and a record that still fails is
  dead-lettered (``enrichment_failed``). The partition moves on.
- the broker refuses an output (larger than it accepts): the enriched article is replaced
  by a dead letter of its input, a dead letter by one whose payload is cut.
- anything else (outputs not acknowledged, a bug here): the process ends at once with
  status 75, like a crash, so nothing held is committed; restarted, it redoes it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.serializers.codecs import Codec

from streams import faust_transport, metrics
from streams.config import Settings
from streams.core.enrich import BatchReport, Enricher, Incoming
from streams.core.records import SourceOffset
from streams.delivery import Send
from streams.pipeline import EXIT_RESTART, Pipeline, exit_now
from streams.topics import describe_connection, missing_topics

__all__ = ["EXIT_RESTART", "broker_credentials", "create_app"]

log = logging.getLogger(__name__)

#: Batches of records a worker reads ahead of the one being enriched, at most.
STREAM_BUFFER_BATCHES = 4
#: Seconds between checks that the pipeline's topics still exist.
TOPIC_CHECK_INTERVAL = 10.0


def broker_credentials(settings: Settings) -> faust.auth.Credentials | None:
    """TLS and SASL settings, mapped unchanged onto Faust's credential objects."""
    context = settings.ssl_context()
    if settings.security_protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def new_faust_app(settings: Settings) -> faust.App:
    """The Faust app with this pipeline's client settings and no agents (the benchmark reuses it).

    ``faust_transport.App``: Faust's, with a cheaper hand-off of fetched records, fetching that
    resumes as soon as a stream buffer drains, and a shorter fetch wait.
    """
    return faust_transport.App(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
        broker_credentials=broker_credentials(settings),
        store="memory://",  # stateless: nothing to restore after a rebalance
        datadir=settings.data_dir,
        web_enabled=False,  # /metrics, /healthz and /readyz are served by streams.metrics
        # Group membership tuned for quick start-up and fail-over (README: "Start-up").
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=settings.rebalance_timeout,
        broker_commit_interval=settings.commit_interval,
        fetch_max_wait=settings.fetch_max_wait,
        consumer_auto_offset_reset="earliest",  # a new group reads what was produced before it
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        producer_acks=-1,  # acknowledged by all in-sync replicas
        producer_max_request_size=max(4 * settings.max_record_bytes, 1024 * 1024),
        # Batches of 16 KiB (the default) hold three articles: the producer then costs more than the core.
        producer_max_batch_size=1024 * 1024,
        consumer_max_fetch_size=max(4 * settings.max_record_bytes, 4 * 1024 * 1024),
        # Records read ahead: Faust keeps up to 4,096 (a backlog of 1 MB articles: 4 GB); four
        # batches keep the NLP thread fed. Fetching pauses at 80% of it and resumes at 40%.
        stream_buffer_maxsize=STREAM_BUFFER_BATCHES * settings.batch_size,
    )


class PayloadLeftInMessage(Codec):
    """The raw topic's value codec: the stream's value is the payload's size, the payload stays in the message.

    Faust's consumer and stream loops keep the last message and value they handed out
    until the next ones come, so on a quiet partition a bytes value pinned the last record,
    whatever its size (a 50 MB one kept the worker 85 MB larger). The agent reads the payload
    from the message and drops it there once the record is released: nothing idle holds one.
    """

    def _loads(self, s: bytes) -> int:
        return len(s)  # cannot fail: Faust would skip a record whose value does not decode

    def _dumps(self, s: Any) -> bytes:
        return s


def raw_topic(app: faust.App, settings: Settings) -> faust.TopicT:
    """The input topic as the agent reads it (the benchmark's Faust-alone run reads it the same way)."""
    return app.topic(settings.topic_raw, key_serializer="raw", value_serializer=PayloadLeftInMessage())


def create_app(settings: Settings, enricher: Enricher, health: metrics.Health | None = None) -> faust.App:
    """Build the Faust app for ``settings``; ``enricher`` is already loaded (model, gazetteer)."""
    if not settings.broker:
        raise ValueError("no broker configured")
    health = health or metrics.Health()
    app = new_faust_app(settings)

    def sender(topic: str) -> Send:
        """Straight to the Kafka producer: Faust's Topic.send adds per-record futures and
        sensor bookkeeping that cost more than the whole core does without NLP."""

        async def send(*, key: bytes | None, value: bytes) -> Awaitable[Any]:
            return await app.producer.send(topic, key, value, None, None, None)

        return send

    send_enriched, send_dead = sender(settings.topic_enriched), sender(settings.topic_deadletter)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")

    async def enrich_in_thread(incoming: list[Incoming]) -> BatchReport:
        return await asyncio.get_running_loop().run_in_executor(executor, enricher.enrich_batch, incoming)

    async def enrich_inline(incoming: list[Incoming]) -> BatchReport:
        # Without NLP a record costs tens of microseconds: a thread would cost more than it saves.
        return enricher.enrich_batch(incoming)

    def raw_size(event) -> int:
        return len(event.message.value or b"")

    def incoming_of(event) -> Incoming:
        message = event.message
        return Incoming(
            value=message.value,
            key=message.key,
            source=SourceOffset(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
            ),
        )

    @app.agent(raw_topic(app, settings), name="enrich")
    async def enrich(stream):
        async def release(events) -> None:
            for event in events:
                await stream.ack(event)  # the last reference: Faust may commit it now
                event.message.value = None  # see PayloadLeftInMessage

        pipeline = Pipeline(enrich_in_thread if settings.nlp_enabled else enrich_inline,
                            send_enriched, send_dead, release)
        policy = settings.batch_policy()
        try:
            async for events in stream.take_events(policy.size, within=policy.wait):
                for event in events:
                    event.message.incref()  # held until its outputs are acknowledged
                for part in policy.batches(events, raw_size):  # long articles: a few at a time
                    await pipeline.submit([incoming_of(event) for event in part], part)
                    del part
                del events  # the pipeline holds the batch until it is released; an idle agent holds nothing
            await pipeline.drain()
        finally:
            pipeline.cancel()

    @app.timer(1.0)
    async def heartbeat() -> None:
        health.beat()

    @app.on_partitions_assigned.connect
    async def on_assigned(app, assigned, **kwargs) -> None:
        health.assigned = True
        log.info("assigned %d partitions", len(assigned))

    lag_reported: set = set()

    @app.timer(5.0)
    async def report_lag() -> None:
        """Consumer lag of the partitions this worker owns (Faust has no public gauge for it)."""
        consumer = app.consumer
        owned = {tp for tp in consumer.assignment() if tp.topic == settings.topic_raw}
        for tp in lag_reported - owned:  # partitions that went to another worker
            metrics.CONSUMER_LAG.remove(tp.topic, str(tp.partition))
        lag_reported.intersection_update(owned)
        if not owned:
            return
        highwaters = await consumer.highwaters(*owned)
        committed = {tp: consumer._committed_offset.get(tp) for tp in owned}  # noqa: SLF001 - Faust keeps it private
        never_committed = [tp for tp, offset in committed.items() if offset is None]
        earliest = await consumer.earliest_offsets(*never_committed) if never_committed else {}
        for tp in owned:
            start = committed[tp] if committed[tp] is not None else earliest.get(tp, 0)
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwaters.get(tp, start) - start))
            lag_reported.add(tp)

    checks_missing = 0

    @app.timer(TOPIC_CHECK_INTERVAL)
    async def check_topics() -> None:
        """A broker that came back empty (in-memory storage, lost volumes) has lost our topics.

        The consumer would rejoin its group there and idle, ready and silent. Two checks in
        a row that miss a topic end the worker instead; restarted, it recreates the topics.
        """
        nonlocal checks_missing
        try:
            missing = await asyncio.to_thread(missing_topics, settings)
        except Exception:  # noqa: BLE001 - not reachable now: the Kafka clients log why
            return
        checks_missing = checks_missing + 1 if missing else 0
        if missing:
            log.error("topics %s are missing on the broker at %s", missing, describe_connection(settings))
        if checks_missing >= 2:
            exit_now("topics %s no longer exist on the broker (it restarted without its data, or they were deleted); "
                     "exiting so that a restart recreates them", missing)

    app.newsstream_health = health  # for the CLI and tests
    return app


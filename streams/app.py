"""The Faust app: topics and the enrichment agent, a thin shell around ``streams.core.enrich``.

Flow of one batch: take up to ``batch_size`` raw events (waiting at most ``batch_wait``),
enrich them in a worker thread (NLP is CPU-bound; the event loop keeps heart-beating
and committing), publish every enriched article and dead letter, wait until the broker
has acknowledged all of them, and only then let Faust ack the input events. Faust
commits acked offsets only, so an input offset is committed after its output is
durable: at-least-once.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor

import faust

from streams import metrics
from streams.config import Settings
from streams.core.enrich import Enricher, Incoming
from streams.core.records import SourceOffset, dumps

log = logging.getLogger(__name__)


def broker_credentials(settings: Settings) -> faust.auth.Credentials | None:
    """TLS and SASL settings, mapped unchanged onto Faust's credential objects."""
    protocol = settings.security_protocol.upper()
    context = None
    if protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=settings.ssl_cafile)
        if settings.ssl_certfile:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
            ssl_context=context,
            mechanism=settings.sasl_mechanism or "PLAIN",
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings, enricher: Enricher, health: metrics.Health | None = None) -> faust.App:
    """Build the Faust app for ``settings``; ``enricher`` is already loaded (model, gazetteer)."""
    if not settings.broker:
        raise ValueError("no broker configured")
    health = health or metrics.Health()
    app = faust.App(
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
        consumer_auto_offset_reset="earliest",  # a new group reads what was produced before it
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        producer_acks=-1,  # acknowledged by all in-sync replicas
        producer_max_request_size=max(4 * settings.max_record_bytes, 1024 * 1024),
        consumer_max_fetch_size=max(4 * settings.max_record_bytes, 4 * 1024 * 1024),
    )
    raw_topic = app.topic(settings.topic_raw, key_serializer="raw", value_serializer="raw")
    enriched_topic = app.topic(settings.topic_enriched, key_serializer="raw", value_serializer="raw")
    deadletter_topic = app.topic(settings.topic_deadletter, key_serializer="raw", value_serializer="raw")
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich")

    async def publish(events) -> None:
        incoming = [
            Incoming(
                value=event.message.value,
                key=event.message.key,
                source=SourceOffset(
                    topic=event.message.topic,
                    partition=event.message.partition,
                    offset=event.message.offset,
                    timestamp_ms=int(event.message.timestamp * 1000) if event.message.timestamp else None,
                ),
            )
            for event in events
        ]
        metrics.ARTICLES_CONSUMED.inc(len(incoming))
        metrics.IN_FLIGHT.inc(len(incoming))
        try:
            loop = asyncio.get_running_loop()
            report = await loop.run_in_executor(executor, enricher.enrich_batch, incoming)
            pending = []
            for item, outcome in zip(incoming, report.outcomes, strict=True):
                if outcome.ok:
                    fut = await enriched_topic.send(key=outcome.key.encode(), value=dumps(outcome.record))
                else:  # keeps the input key, so it lands beside the article's other records
                    fut = await deadletter_topic.send(key=item.key, value=dumps(outcome.record))
                pending.append(fut)
            await asyncio.gather(*pending)  # every output acknowledged before the inputs are acked
            metrics.record_batch(report)
        finally:
            metrics.IN_FLIGHT.dec(len(incoming))

    @app.agent(raw_topic, name="enrich")
    async def enrich(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_wait):
            await publish(events)

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

    app.newsstream_health = health  # for the CLI and tests
    return app


"""The Faust app: client settings, the raw topic, and the wiring of the agent, the pipeline and the monitors.

Three files take an article from the raw topic to the enriched topic: ``streams.agents.enrich``
(the agent: take a batch, hold it, submit it), ``streams.pipeline`` (enrich in a thread while
the previous batch is delivered; release after the broker's acknowledgements) and
``streams.core.enrich`` (the pure enrichment). This module only connects them: one sender
per output topic (``Settings.output_topics``), the enrichment in a thread (or inline without
NLP), the periodic monitors (``streams.monitors``).

Failures (README: "Failures"):

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

from streams import faust_transport, metrics, monitors
from streams.agents import trends
from streams.agents.enrich import enrich_agent
from streams.config import Settings
from streams.core.enrich import Enricher
from streams.core.outcomes import BatchReport, Destination, Incoming
from streams.core_process import CoreProcess
from streams.delivery import Send
from streams.pipeline import DEPTH, EXIT_RESTART, Enrich, Pipeline

__all__ = ["EXIT_RESTART", "broker_credentials", "create_app"]

log = logging.getLogger(__name__)

#: Batches of records a worker reads ahead of the one being enriched, at most.
STREAM_BUFFER_BATCHES = 4


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


class EnrichApp(faust_transport.App):
    """The worker's Faust app; on a graceful stop (not on a rebalance) it finishes the batches
    already being enriched or delivered, sheds those still waiting, commits what was released, and goes.

    Faust's own stop waits until every record it handed out is acknowledged: behind a
    backlog of long articles that is every batch read ahead, tens of seconds of NLP.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pipelines: set[Pipeline] = set()

    async def _consumer_wait_empty(self, consumer: Any, logger: Any) -> None:
        if not self.should_stop:  # partitions revoked in a rebalance: Faust waits, the pipelines go on
            await super()._consumer_wait_empty(consumer, logger)
            return
        shed = sum(pipeline.shed() for pipeline in self.pipelines)
        logger.info("stopping: finishing the batches in flight; %d records not started stay uncommitted "
                    "for the partitions' next owner", shed)
        await asyncio.gather(*(pipeline.drain() for pipeline in list(self.pipelines)))
        await consumer.commit()


def new_faust_app(settings: Settings, *, app_class: type[faust.App] = faust_transport.App) -> faust.App:
    """The Faust app with this pipeline's client settings and no agents (the benchmark reuses it).

    ``faust_transport.App``: Faust's, with a cheaper hand-off of fetched records, fetching that
    resumes as soon as a stream buffer drains, and a shorter fetch wait.
    """
    return app_class(
        settings.app_id,
        broker=[f"kafka://{server}" for server in settings.bootstrap_servers],
        broker_credentials=broker_credentials(settings),
        store="memory://",  # the trends table is rebuilt from its changelog (streams.agents.trends)
        table_standby_replicas=0,  # a memory store's standby copy costs memory and replay, and saves no restart
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


def senders(app: faust.App, settings: Settings) -> dict[Destination, Send]:
    """A sender per destination, straight to the Kafka producer: Faust's Topic.send adds per-record
    futures and sensor bookkeeping that cost more than the whole core does without NLP."""

    def sender(topic: str) -> Send:
        async def send(*, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]) -> Awaitable[Any]:
            return await app.producer.send(topic, key, value, None, None, headers)  # partition, timestamp, headers

        return send

    return {destination: sender(topic) for destination, topic in settings.output_topics().items()}


def enrich_call(enricher: Enricher | CoreProcess, *, in_thread: bool, concurrency: int = 1) -> Enrich:
    """``enricher.enrich_batch`` as the pipeline calls it: in a worker thread when NLP is on (spaCy holds
    the CPU, the event loop stays free to heart-beat, fetch and commit), else inline (without NLP a record
    costs tens of microseconds: a thread would cost more than it saves)."""
    if not in_thread:
        async def enrich_inline(incoming: list[Incoming]) -> BatchReport:
            return enricher.enrich_batch(incoming)

        return enrich_inline
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="enrich")

    async def enrich_in_thread(incoming: list[Incoming]) -> BatchReport:
        return await asyncio.get_running_loop().run_in_executor(executor, enricher.enrich_batch, incoming)

    return enrich_in_thread


def enrich_concurrency(enricher: Enricher | CoreProcess) -> int:
    """Batches enriched at once: two with the core's two processes (one reads, one tags), else one."""
    return len(enricher.pids) if isinstance(enricher, CoreProcess) else 1


def create_app(
    settings: Settings, enricher: Enricher | CoreProcess, health: metrics.Health | None = None
) -> faust.App:
    """Build the Faust app for ``settings``; ``enricher`` is already loaded (model, gazetteer)."""
    if not settings.broker:
        raise ValueError("no broker configured")
    health = health or metrics.Health()
    app = new_faust_app(settings, app_class=EnrichApp)
    concurrency = enrich_concurrency(enricher) if settings.nlp_enabled else 1
    enrich = enrich_call(enricher, in_thread=settings.nlp_enabled, concurrency=concurrency)
    outputs = senders(app, settings)
    agent = enrich_agent(lambda release: Pipeline(enrich, outputs, release, source=settings.app_id,
                                                  depth=DEPTH + concurrency - 1, enrich_concurrency=concurrency),
                         settings.batch_policy(),
                         running=app.pipelines)
    if settings.enrich_enabled:
        app.agent(raw_topic(app, settings), name="enrich")(agent)
    if settings.trends_enabled:
        app.newsstream_trends = trends.attach(app, settings)
    monitors.attach(app, settings, health)
    app.newsstream_health = health  # for the CLI and tests
    return app

"""The Faust app: topics and the enrichment agent, a thin shell around ``streams.core.enrich``.

Flow of one batch: take up to ``batch_size`` raw events (waiting at most ``batch_wait``),
enrich them in a worker thread (NLP is CPU-bound; the event loop keeps heart-beating
and committing), publish every enriched article and dead letter, wait until the broker
has acknowledged all of them, and only then let Faust ack the input events. Faust
commits acked offsets only, so an input offset is committed after its output is
durable: at-least-once.

Faust's ``take_events`` acks a batch's events in a ``finally``, whatever became of them,
so no exception may leave the agent with a batch unfinished: it would commit records
that were never published. Instead (README: "Failures"):

- ``enrich_batch`` raises (it should not: it dead-letters bad records itself): the batch
  is tried again a few times, then record by record, and a record that still fails is
  dead-lettered (``enrichment_failed``). The partition moves on.
- the broker refuses an output (larger than it accepts): the enriched article is replaced
  by a dead letter of its input, a dead letter by one whose payload is cut.
- anything else (outputs not acknowledged, a bug here): the process ends at once with
  status 75, like a crash, so nothing of the batch is committed; restarted, it redoes it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import faust
from aiokafka.errors import CorruptRecordException, MessageSizeTooLargeError, RecordListTooLargeError

from streams import metrics
from streams.config import Settings
from streams.core.enrich import BatchReport, Enricher, Incoming, Outcome, dead_outcome
from streams.core.records import ErrorCode, SourceOffset, dumps
from streams.topics import describe_connection, missing_topics

log = logging.getLogger(__name__)

#: Exit status of a worker that ended itself so that a supervisor restarts it (sysexits' EX_TEMPFAIL).
EXIT_RESTART = 75
#: Tries of a whole batch when enrich_batch raises, before its records are tried one by one.
ENRICH_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds before the second try, doubled for each next one
#: Payload kept in a dead letter that replaces a refused output.
CUT_PAYLOAD_BYTES = 64 * 1024
#: Seconds between warnings while the broker keeps a batch waiting for its acknowledgements.
ACK_PATIENCE = 10.0
#: Seconds between checks that the pipeline's topics still exist.
TOPIC_CHECK_INTERVAL = 10.0
#: Errors by which the broker (or the producer, before sending) refuses one record for good.
REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, CorruptRecordException)

#: Enqueues one record (``key=``, ``value=``), returns the future of its acknowledgement.
Send = Callable[..., Awaitable[Awaitable[Any]]]


class DeliveryFailed(RuntimeError):
    """Outputs of a batch were not acknowledged: the batch must not be committed."""


def exit_now(message: str, *args: object) -> NoReturn:
    """Log why, then end the process at once, like a crash: nothing more is committed.

    Offsets are committed only for completed batches, so a restart (by a supervisor)
    reprocesses the batch in flight: at-least-once, as after a ``kill -9``.
    """
    log.critical(message, *args, exc_info=sys.exc_info()[0] is not None)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(EXIT_RESTART)


def _at(item: Incoming) -> str:
    """Where a record came from, for log lines: topic[partition]@offset."""
    source = item.source
    return f"{source.topic}[{source.partition}]@{source.offset}" if source else "an unknown offset"


def failure_letter(item: Incoming, reason: str, *, code: ErrorCode = ErrorCode.ENRICHMENT_FAILED,
                   cut: bool = False) -> Outcome:
    """A dead letter of ``item`` (``enrichment_failed`` unless told); ``cut``: payload cut to CUT_PAYLOAD_BYTES."""
    return dead_outcome(item, reason=reason, code=code, max_payload_bytes=CUT_PAYLOAD_BYTES if cut else None)


async def enrich_safely(
    enrich: Callable[[list[Incoming]], Awaitable[BatchReport]],
    incoming: list[Incoming],
    *,
    attempts: int = ENRICH_ATTEMPTS,
    delay: float = RETRY_DELAY,
) -> BatchReport:
    """``enrich(incoming)``, which never raises: retried, then record by record, then dead letters."""
    for attempt in range(1, attempts + 1):
        try:
            return await enrich(incoming)
        except Exception as exc:
            log.warning("enriching a batch of %d records failed (try %d of %d): %r",
                        len(incoming), attempt, attempts, exc, exc_info=attempt == attempts)
        if attempt < attempts:
            await asyncio.sleep(delay * 2 ** (attempt - 1))
    outcomes: list[Outcome] = []
    for item in incoming:
        try:
            outcomes += (await enrich([item])).outcomes
        except Exception as exc:
            log.error("dead-lettering the record at %s: enriching it alone fails too: %r", _at(item), exc)
            outcomes.append(failure_letter(item, f"enrichment raised {exc!r} (tried {attempts + 1} times)"))
    return BatchReport(outcomes=outcomes)


def _refusal(exc: BaseException) -> BaseException | None:
    """The error by which a record was refused for good (Faust raises it as the cause of its own), or None."""
    return next((e for e in (exc, exc.__cause__) if isinstance(e, REFUSED)), None)


async def _publish(outputs: Sequence[tuple[Send, bytes | None, bytes]]) -> list[BaseException | None]:
    """Enqueue in order, then wait for every acknowledgement; returns each output's error or None."""
    loop = asyncio.get_running_loop()
    pending: list[Awaitable[Any]] = []
    for send, key, value in outputs:
        try:
            pending.append(await send(key=key, value=value))
        except Exception as exc:  # refused before it left (larger than the producer's limit, say)
            failed = loop.create_future()
            failed.set_exception(exc)
            pending.append(failed)
    gathered = asyncio.gather(*pending, return_exceptions=True)
    waited = 0.0
    while not gathered.done():  # the producer retries for many minutes: say so meanwhile
        await asyncio.wait([gathered], timeout=ACK_PATIENCE)
        if not gathered.done():
            waited += ACK_PATIENCE
            log.warning("waited %.0f s for the broker to acknowledge %d records; "
                        "nothing is committed until it does", waited, len(pending))
    return [result if isinstance(result, BaseException) else None for result in gathered.result()]


async def deliver(
    send_enriched: Send, send_dead: Send, incoming: Sequence[Incoming], report: BatchReport
) -> BatchReport:
    """Publish every outcome and return once the broker has acknowledged them all.

    Returns the outcomes as published (a refused enriched article became a dead letter).
    Raises DeliveryFailed if an output was not acknowledged for another reason than a
    refusal, or if even a replacement dead letter was refused.
    """
    outcomes = list(report.outcomes)
    outputs: list[tuple[Send, bytes | None, bytes]] = []
    for index, (item, outcome) in enumerate(zip(incoming, outcomes, strict=True)):
        try:
            outputs.append((send_enriched, outcome.key.encode(), dumps(outcome.record)) if outcome.ok
                           # a dead letter keeps the input key, so it lands beside the article's other records
                           else (send_dead, item.key, dumps(outcome.record)))
        except Exception as exc:  # an outcome the encoder chokes on: that record's problem, not the batch's
            log.error("dead-lettering the record at %s: its outcome cannot be serialized: %r", _at(item), exc)
            outcomes[index] = failure_letter(item, f"its outcome could not be serialized: {exc!r}")
            outputs.append((send_dead, item.key, dumps(outcomes[index].record)))
    errors = await _publish(outputs)
    replaced: list[int] = []
    for index, error in enumerate(errors):
        if error is None:
            continue
        refusal = _refusal(error)
        if refusal is None:
            raise DeliveryFailed(
                f"output of the record at {_at(incoming[index])} not acknowledged: {error!r}"
            ) from error
        item, outcome = incoming[index], outcomes[index]
        log.error("the %s of the record at %s was refused (%r): sending a dead letter with a cut payload instead",
                  "enriched article" if outcome.ok else "dead letter", _at(item), refusal)
        if outcome.ok:
            outcomes[index] = failure_letter(item, f"its enriched article was refused: {refusal!r}", cut=True)
        else:  # the same dead letter, lighter
            outcomes[index] = failure_letter(item, outcome.record["error"]["reason"], code=outcome.error, cut=True)
        replaced.append(index)
    if replaced:
        errors = await _publish([(send_dead, incoming[i].key, dumps(outcomes[i].record)) for i in replaced])
        for index, error in zip(replaced, errors):
            if error is not None:
                raise DeliveryFailed(
                    f"dead letter of the record at {_at(incoming[index])} not acknowledged: {error!r}"
                ) from error
    return BatchReport(outcomes=outcomes, seconds=report.seconds)


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

    async def process(events) -> None:
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
            report = await enrich_safely(enrich_in_thread, incoming)
            published = await deliver(send_enriched, send_dead, incoming, report)
            metrics.record_batch(published)
        finally:
            metrics.IN_FLIGHT.dec(len(incoming))

    @app.agent(raw_topic, name="enrich")
    async def enrich(stream):
        async for events in stream.take_events(settings.batch_size, within=settings.batch_wait):
            try:
                await process(events)
            except BaseException:  # noqa: BLE001 - cancellation too: the batch would be acked unfinished
                exit_now("could not complete a batch of %d records; exiting without committing it "
                         "(restarted, the worker processes it again)", len(events))

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


"""kafka-python producers and consumers for the CLI (produce, consume, demo).

The worker itself talks to Kafka through Faust; these are the plain clients a
producer or consumer team would write, configured from the same settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.structs import OffsetAndMetadata

from streams.config import Settings
from streams.errors import NewsstreamError
from streams.topics import BrokerUnreachable, check_reachable, describe_connection

log = logging.getLogger(__name__)


def _connected(settings: Settings, make):
    """``make()`` once the broker's address answers, a bootstrap failure said in one line."""
    check_reachable(settings)
    try:
        return make()
    except KafkaTimeoutError as exc:
        raise BrokerUnreachable(f"could not connect to the Kafka broker at {describe_connection(settings)} ({exc}); "
                                "check NEWSSTREAM_BROKER, NEWSSTREAM_SECURITY_PROTOCOL, NEWSSTREAM_SASL_* "
                                "and NEWSSTREAM_SSL_*") from None


def producer(settings: Settings) -> KafkaProducer:
    return _connected(settings, lambda: KafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=f"{settings.app_id}-producer",
        acks="all",
        linger_ms=5,
        max_request_size=max(4 * settings.max_record_bytes, 1024 * 1024),
        **settings.kafka_client_options(),
    ))


def consumer(settings: Settings, topics: list[str], *, from_beginning: bool, group: str | None = None,
             auto_commit: bool | None = None) -> KafkaConsumer:
    """A consumer of ``topics``; without a group it commits nothing and reads what it is told.
    ``auto_commit=False``: a group member that commits what it is done with itself (``DoneOffsets``).

    A group member uses the worker's group timings: the embedded broker completes a join only
    when the rebalance timeout (kafka-python's ``max_poll_interval_ms``, 5 minutes by default)
    runs out, and a member that does not poll within it rejoins.
    """
    membership = {} if group is None else {
        "max_poll_interval_ms": round(settings.rebalance_timeout * 1000),
        "session_timeout_ms": round(settings.session_timeout * 1000),
        "heartbeat_interval_ms": round(settings.heartbeat_interval * 1000),
    }
    return _connected(settings, lambda: KafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        client_id=f"{settings.app_id}-consumer",
        group_id=group,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group is not None if auto_commit is None else auto_commit,
        fetch_max_bytes=max(8 * settings.max_record_bytes, 50 * 1024 * 1024),
        max_partition_fetch_bytes=max(4 * settings.max_record_bytes, 1024 * 1024),
        fetch_max_wait_ms=round(settings.fetch_max_wait * 1000),  # as the worker: see its setting
        **membership,
        **settings.kafka_client_options(),
    ))


def tail(kafka_consumer: KafkaConsumer, *, idle_timeout: float | None, max_records: int | None) -> Iterator:
    """Records as they arrive; stops after ``max_records`` or ``idle_timeout`` seconds without one."""
    seen, last = 0, time.monotonic()
    while max_records is None or seen < max_records:
        batch = kafka_consumer.poll(timeout_ms=500)
        if not batch:
            if idle_timeout is not None and time.monotonic() - last > idle_timeout:
                return
            continue
        last = time.monotonic()
        for records in batch.values():
            for record in records:
                yield record
                seen += 1
                if max_records is not None and seen >= max_records:
                    return


class TopicMissing(NewsstreamError, LookupError):
    """The topic to read does not exist on the cluster."""


def wait_for_topic(kafka_consumer: KafkaConsumer, topic: str, timeout: float = 10.0) -> set[int]:
    """The topic's partitions, once the cluster knows it; TopicMissing after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (partitions := kafka_consumer.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise TopicMissing(f"topic {topic!r} does not exist (has a worker run against this cluster yet?)")
        time.sleep(0.2)
    return partitions


def start(kafka_consumer: KafkaConsumer, topic: str, *, grouped: bool, since_ms: int | None = None) -> None:
    """Point a consumer made with no topics at ``topic``: as a group member (committed offsets win) or on
    every partition, from the first record at or after ``since_ms`` when given."""
    partitions = wait_for_topic(kafka_consumer, topic)
    if grouped:
        listener = _SeekOnFirstAssignment(kafka_consumer, since_ms) if since_ms is not None else None
        kafka_consumer.subscribe([topic], **({"listener": listener} if listener else {}))
        return
    assigned = [TopicPartition(topic, partition) for partition in sorted(partitions)]
    kafka_consumer.assign(assigned)
    if since_ms is not None:
        seek_to_time(kafka_consumer, assigned, since_ms)


def seek_to_time(kafka_consumer: KafkaConsumer, partitions: list[TopicPartition], since_ms: int) -> None:
    """Each partition at its first record written at or after ``since_ms`` (at its end when there is none)."""
    found = kafka_consumer.offsets_for_times(dict.fromkeys(partitions, since_ms))
    for partition in partitions:
        position = found.get(partition)
        if position is None:
            kafka_consumer.seek_to_end(partition)
        else:
            kafka_consumer.seek(partition, position.offset)


class _SeekOnFirstAssignment(ConsumerRebalanceListener):
    """``since`` for a group member: applied to the partitions of its first assignment only (later
    rebalances resume from the group's committed offsets)."""

    def __init__(self, kafka_consumer: KafkaConsumer, since_ms: int):
        self.consumer, self.since_ms, self.done = kafka_consumer, since_ms, False

    def on_partitions_revoked(self, revoked) -> None:
        pass

    def on_partitions_assigned(self, assigned) -> None:
        if not self.done and assigned:
            self.done = True
            seek_to_time(self.consumer, list(assigned), self.since_ms)



class DoneOffsets:
    """A group member's commits of the records its caller is done with, at most every ``interval`` s.

    Auto-commit commits what was fetched, records still unseen by the caller among them: a
    subscriber that stops after ``--max N`` would skip the rest of the fetch. This commits
    only up to the last record the caller came back from: at-least-once, like the worker.
    """

    def __init__(self, kafka_consumer: KafkaConsumer, *, grouped: bool, interval: float = 1.0):
        self.consumer, self.grouped, self.interval = kafka_consumer, grouped, interval
        self.pending: dict[TopicPartition, OffsetAndMetadata] = {}
        self.last = time.monotonic()

    def done(self, message) -> None:
        if not self.grouped:
            return
        self.pending[TopicPartition(message.topic, message.partition)] = OffsetAndMetadata(message.offset + 1, "", -1)
        if time.monotonic() - self.last >= self.interval:
            self.commit()

    def commit(self) -> None:
        if not self.pending:
            return
        try:
            self.consumer.commit(dict(self.pending))
        except KafkaError as exc:  # partitions moved to another member meanwhile: it reads them again
            log.warning("could not commit consumed offsets (%r): the group reads those records again", exc)
        self.pending.clear()
        self.last = time.monotonic()


def read_records(settings: Settings, topic: str, *, group: str | None, from_beginning: bool,
                 max_records: int | None, idle_timeout: float | None) -> Iterator[dict]:
    """A topic's JSON records as they arrive (the dead letters, which have no typed model)."""
    import orjson

    kafka_consumer = consumer(settings, [], from_beginning=from_beginning, group=group, auto_commit=False)
    offsets = DoneOffsets(kafka_consumer, grouped=group is not None)
    try:
        start(kafka_consumer, topic, grouped=group is not None)
        for message in tail(kafka_consumer, idle_timeout=idle_timeout, max_records=max_records):
            yield orjson.loads(message.value)
            offsets.done(message)
    finally:
        offsets.commit()
        kafka_consumer.close(autocommit=False)

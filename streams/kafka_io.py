"""kafka-python producers and consumers for the CLI (produce, consume, demo).

The worker itself talks to Kafka through Faust; these are the plain clients a
producer or consumer team would write, configured from the same settings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError

from streams.config import Settings
from streams.topics import BrokerUnreachable, check_reachable, describe_connection


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


def consumer(settings: Settings, topics: list[str], *, from_beginning: bool, group: str | None = None) -> KafkaConsumer:
    """A consumer of ``topics``; without a group it commits nothing and reads what it is told."""
    return _connected(settings, lambda: KafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        client_id=f"{settings.app_id}-consumer",
        group_id=group,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group is not None,
        fetch_max_bytes=max(8 * settings.max_record_bytes, 50 * 1024 * 1024),
        max_partition_fetch_bytes=max(4 * settings.max_record_bytes, 1024 * 1024),
        fetch_max_wait_ms=round(settings.fetch_max_wait * 1000),  # as the worker: see its setting
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

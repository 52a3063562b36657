"""Creating the pipeline's topics with the configured partition count.

Done explicitly before anything produces or consumes, so that a producer's auto-created
topic never ends up with the broker's default partition count.
"""

from __future__ import annotations

import logging
import time

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, RetriableError, TopicAlreadyExistsError

from streams.config import Settings

log = logging.getLogger(__name__)


def pipeline_topics(settings: Settings) -> list[str]:
    return [settings.topic_raw, settings.topic_enriched, settings.topic_deadletter]


def ensure_topics(settings: Settings, names: list[str] | None = None, *, timeout: float = 30.0) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    names = names or pipeline_topics(settings)
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=settings.bootstrap_servers,
                client_id=f"{settings.app_id}-admin",
                request_timeout_ms=10_000,
                **settings.kafka_client_options(),
            )
            break
        except RetriableError:  # broker not reachable yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            new = [NewTopic(name, settings.topic_partitions, settings.topic_replication) for name in missing]
            try:
                admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # another process won the race
            log.info("created topics %s with %d partitions", missing, settings.topic_partitions)
    except KafkaError:
        log.exception("could not create topics %s", names)
        raise
    finally:
        admin.close()

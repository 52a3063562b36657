"""The enrich agent: raw records from Kafka into the pipeline, held until their outputs are durable.

The agent takes up to ``policy.size`` records (waiting at most ``policy.wait``), holds them
(``Message.incref``: Faust may not commit them yet) and submits them to the
``streams.pipeline`` in parts of at most ``policy.max_bytes`` of raw records. The pipeline
enriches them in a worker thread, publishes, waits for the broker's acknowledgements, and
only then releases them, so Faust, which commits acked offsets only and only up to the
first one still held, commits an input offset after its outputs are durable: at-least-once.

Faust's ``take_events`` acks every batch in a ``finally``, whatever became of it; the hold
is what keeps an unfinished batch (an exception, a cancelled agent, a stop) from being
committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from faust.types import EventT, StreamT

from streams.core.batching import BatchPolicy
from streams.core.headers import normalized
from streams.core.outcomes import Incoming
from streams.core.records import SourceOffset
from streams.pipeline import Pipeline


def raw_size(event: EventT) -> int:
    """Bytes of a record's value: what the byte budget of a batch counts."""
    return len(event.message.value or b"")


def incoming_of(event: EventT) -> Incoming:
    """The core's view of a consumed record: value, key, where it came from, headers."""
    message = event.message
    return Incoming(
        value=message.value,
        key=message.key,
        headers=normalized(message.headers),
        source=SourceOffset(
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
        ),
    )


def releaser(stream: StreamT) -> Callable[[Iterable[EventT]], Awaitable[None]]:
    """What the pipeline calls once a part's outputs are acknowledged: drop the hold, so Faust may commit."""

    async def release(events: Iterable[EventT]) -> None:
        for event in events:
            await stream.ack(event)  # the last reference: Faust may commit it now
            event.message.value = None  # the payload is not needed any more (streams.app.PayloadLeftInMessage)

    return release


async def enrich_stream(stream: StreamT, pipeline: Pipeline, policy: BatchPolicy) -> None:
    """Take batches from ``stream`` for ever, hold them, and submit them to ``pipeline`` part by part."""
    async for events in stream.take_events(policy.size, within=policy.wait):
        for event in events:
            event.message.incref()  # held until its outputs are acknowledged
        for part in policy.batches(events, raw_size):  # long articles: a few at a time
            if not await pipeline.submit([incoming_of(event) for event in part], part):
                break  # stopping: what is left of the batch stays uncommitted for the next owner
            del part
        del events  # the pipeline holds the batch until it is released; an idle agent holds nothing
    await pipeline.drain()


def enrich_agent(make_pipeline: Callable[[Callable[[Iterable[EventT]], Awaitable[None]]], Pipeline],
                 policy: BatchPolicy, *, running: set[Pipeline] | None = None) -> Callable[[StreamT], Any]:
    """The agent function: one pipeline per stream (per agent instance), cancelled when the agent stops.

    ``running`` holds the pipelines while their agents run, for the app's graceful stop.
    """
    running = set() if running is None else running

    async def enrich(stream: StreamT) -> None:
        pipeline = make_pipeline(releaser(stream))
        running.add(pipeline)
        try:
            await enrich_stream(stream, pipeline, policy)
        finally:
            running.discard(pipeline)
            pipeline.cancel()

    return enrich

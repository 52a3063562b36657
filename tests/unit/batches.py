"""Batches and fake Kafka senders for the pipeline and delivery tests (no broker)."""

from __future__ import annotations

import asyncio

import orjson
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError

from streams.core.outcomes import BatchReport, Destination, Incoming, Outcome
from streams.core.records import SourceOffset


def incoming(count: int, poison: set[int] = frozenset()) -> list[Incoming]:
    return [
        Incoming(value=orjson.dumps({"title": "POISON" if i in poison else f"article {i}"}), key=f"k{i}".encode(),
                 source=SourceOffset(topic="raw", partition=0, offset=i, timestamp_ms=None))
        for i in range(count)
    ]


def enriched(items: list[Incoming]) -> BatchReport:
    return BatchReport(outcomes=[
        Outcome(key=item.key.decode(), record={"id": item.key.decode(), "entities": [], "countries": []})
        for item in items
    ])


def senders(send_enriched, send_dead) -> dict:
    """The pipeline's senders by destination."""
    return {Destination.ENRICHED: send_enriched, Destination.DEAD_LETTER: send_dead}


class FakeTopic:
    """topic.send: records what was sent; refuses or fails the records it is told to."""

    def __init__(self, refuse_sync: set[bytes] = frozenset(), refuse_async: set[bytes] = frozenset(),
                 fail: set[bytes] = frozenset(), refuse_all: bool = False):
        self.sent: list[tuple[bytes | None, dict]] = []
        self.headers: list[list[tuple[str, bytes]]] = []  # of each record in self.sent
        self.refuse_sync, self.refuse_async, self.fail, self.refuse_all = refuse_sync, refuse_async, fail, refuse_all

    async def send(self, *, key, value, headers=()):
        if key in self.refuse_sync or self.refuse_all:  # as Faust raises it: aiokafka's error as the cause
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError("too big")
        future = asyncio.get_running_loop().create_future()
        if key in self.refuse_async:
            future.set_exception(MessageSizeTooLargeError("too big"))
        elif key in self.fail:
            future.set_exception(KafkaTimeoutError("no answer"))
        else:
            self.sent.append((key, orjson.loads(value)))
            self.headers.append(list(headers))
            future.set_result("metadata")
        return future


class SlowAcks(FakeTopic):
    """A sender whose acknowledgements arrive only when the test says so."""

    def __init__(self):
        super().__init__()
        self.unacked: list[asyncio.Future] = []

    async def send(self, *, key, value, headers=()):
        self.sent.append((key, orjson.loads(value)))
        future = asyncio.get_running_loop().create_future()
        self.unacked.append(future)
        return future

    def ack_all(self) -> None:
        for future in self.unacked:
            if not future.done():
                future.set_result("metadata")

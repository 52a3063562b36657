"""Publishing a batch's outcomes and waiting until the broker has acknowledged every one.

Each outcome names its destination; ``senders`` maps every destination to the sender of
its topic (``Settings.output_topics``), so nothing here knows which outputs exist.
An input offset may be committed only after its outputs are durable, so ``deliver``
returns only when all of them are acknowledged, and raises ``DeliveryFailed`` otherwise.
A record the broker refuses for good (larger than it accepts) does not fail the batch:
the enriched article is replaced by a dead letter of its input, a dead letter by one
whose payload is cut.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiokafka.errors import (
    CorruptRecordException,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)

from streams.core.headers import Headers, output_headers
from streams.core.outcomes import BatchReport, Destination, Incoming, Outcome, dead_outcome
from streams.core.records import dumps
from streams.errors import TransientError

log = logging.getLogger(__name__)

#: Payload kept in a dead letter that replaces a refused output.
CUT_PAYLOAD_BYTES = 64 * 1024
#: ``ce_source`` of the outputs when the caller names no app (the default app id).
DEFAULT_SOURCE = "newsstream"
#: Seconds between warnings while the broker keeps a batch waiting for its acknowledgements.
ACK_PATIENCE = 10.0
#: Errors by which the broker (or the producer, before sending) refuses one record for good.
REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, CorruptRecordException)

#: Enqueues one record (``key=``, ``value=``, ``headers=``), returns the future of its acknowledgement.
Send = Callable[..., Awaitable[Awaitable[Any]]]
#: The sender of each destination's topic.
Senders = Mapping[Destination, Send]


class DeliveryFailed(TransientError):
    """Outputs of a batch were not acknowledged: the batch must not be committed."""


def where(item: Incoming) -> str:
    """Where a record came from, for log lines: topic[partition]@offset."""
    source = item.source
    return f"{source.topic}[{source.partition}]@{source.offset}" if source else "an unknown offset"


def _refusal(exc: BaseException) -> BaseException | None:
    """The error by which a record was refused for good (Faust raises it as the cause of its own), or None."""
    return next((e for e in (exc, exc.__cause__) if isinstance(e, REFUSED)), None)


#: One record to publish: its sender, key, value and headers.
Output = tuple[Send, bytes | None, bytes, Headers]


async def _publish(outputs: Sequence[Output]) -> list[BaseException | None]:
    """Enqueue in order, then wait for every acknowledgement; returns each output's error or None."""
    loop = asyncio.get_running_loop()
    pending: list[Awaitable[Any]] = []
    for send, key, value, headers in outputs:
        try:
            pending.append(await send(key=key, value=value, headers=headers))
        except Exception as exc:  # noqa: BLE001 - refused before it left (larger than the producer's limit, say)
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


def _output(senders: Senders, item: Incoming, outcome: Outcome, source: str) -> Output:
    """(sender, key, value, headers) of one outcome; an outcome without a key of its own keeps the input's."""
    key = outcome.key.encode() if outcome.key is not None else item.key
    return senders[outcome.destination], key, dumps(outcome.record), output_headers(item, outcome, source=source)


def _what(outcome: Outcome) -> str:
    return {Destination.ENRICHED: "enriched article", Destination.DEAD_LETTER: "dead letter"}.get(
        outcome.destination, f"{outcome.destination} record")


async def deliver(senders: Senders, incoming: Sequence[Incoming], report: BatchReport, *,
                  source: str = DEFAULT_SOURCE) -> BatchReport:
    """Publish every outcome to its destination and return once the broker has acknowledged them all.

    Every record carries the headers of ``streams.core.headers``; ``source`` is their ``ce_source``.

    Returns the outcomes as published (a refused enriched article became a dead letter).
    Raises DeliveryFailed if an output was not acknowledged for another reason than a
    refusal, or if even a replacement dead letter was refused.
    """
    outcomes = list(report.outcomes)
    outputs: list[Output] = []
    for index, (item, outcome) in enumerate(zip(incoming, outcomes, strict=True)):
        try:
            outputs.append(_output(senders, item, outcome, source))
        except Exception as exc:  # noqa: BLE001 - an outcome the encoder chokes on: that record's problem
            log.error("dead-lettering the record at %s: its outcome cannot be serialized: %r", where(item), exc)
            outcomes[index] = dead_outcome(item, reason=f"its outcome could not be serialized: {exc!r}")
            outputs.append(_output(senders, item, outcomes[index], source))
    errors = await _publish(outputs)
    replaced: list[int] = []
    for index, error in enumerate(errors):
        if error is None:
            continue
        refusal = _refusal(error)
        if refusal is None:
            raise DeliveryFailed(
                f"output of the record at {where(incoming[index])} not acknowledged: {error!r}"
            ) from error
        item, outcome = incoming[index], outcomes[index]
        log.error("the %s of the record at %s was refused (%r): sending a dead letter with a cut payload instead",
                  _what(outcome), where(item), refusal)
        if outcome.ok:
            outcomes[index] = dead_outcome(item, reason=f"its {_what(outcome)} was refused: {refusal!r}",
                                           max_payload_bytes=CUT_PAYLOAD_BYTES)
        else:  # the same dead letter, lighter
            outcomes[index] = dead_outcome(item, outcome.error, outcome.record["error"]["reason"],
                                           max_payload_bytes=CUT_PAYLOAD_BYTES)
        replaced.append(index)
    if replaced:
        errors = await _publish([_output(senders, incoming[i], outcomes[i], source) for i in replaced])
        for index, error in zip(replaced, errors, strict=True):
            if error is not None:
                raise DeliveryFailed(
                    f"dead letter of the record at {where(incoming[index])} not acknowledged: {error!r}"
                ) from error
    return BatchReport(outcomes=outcomes, seconds=report.seconds, ner_cache=report.ner_cache)

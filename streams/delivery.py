"""Publishing a batch's outcomes and waiting until the broker has acknowledged every one.

An input offset may be committed only after its outputs are durable, so ``deliver``
returns only when all of them are acknowledged, and raises ``DeliveryFailed`` otherwise.
A record the broker refuses for good (larger than it accepts) does not fail the batch:
the enriched article is replaced by a dead letter of its input, a dead letter by one
whose payload is cut.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka.errors import (
    CorruptRecordException,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)

from streams.core.enrich import BatchReport, Incoming, Outcome, dead_outcome
from streams.core.records import ErrorCode, dumps

log = logging.getLogger(__name__)

#: Payload kept in a dead letter that replaces a refused output.
CUT_PAYLOAD_BYTES = 64 * 1024
#: Seconds between warnings while the broker keeps a batch waiting for its acknowledgements.
ACK_PATIENCE = 10.0
#: Errors by which the broker (or the producer, before sending) refuses one record for good.
REFUSED = (MessageSizeTooLargeError, RecordListTooLargeError, CorruptRecordException)

#: Enqueues one record (``key=``, ``value=``), returns the future of its acknowledgement.
Send = Callable[..., Awaitable[Awaitable[Any]]]


class DeliveryFailed(RuntimeError):
    """Outputs of a batch were not acknowledged: the batch must not be committed."""


def where(item: Incoming) -> str:
    """Where a record came from, for log lines: topic[partition]@offset."""
    source = item.source
    return f"{source.topic}[{source.partition}]@{source.offset}" if source else "an unknown offset"


def failure_letter(item: Incoming, reason: str, *, code: ErrorCode = ErrorCode.ENRICHMENT_FAILED,
                   cut: bool = False) -> Outcome:
    """A dead letter of ``item`` (``enrichment_failed`` unless told); ``cut``: payload cut to CUT_PAYLOAD_BYTES."""
    return dead_outcome(item, reason=reason, code=code, max_payload_bytes=CUT_PAYLOAD_BYTES if cut else None)


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
            log.error("dead-lettering the record at %s: its outcome cannot be serialized: %r", where(item), exc)
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
                f"output of the record at {where(incoming[index])} not acknowledged: {error!r}"
            ) from error
        item, outcome = incoming[index], outcomes[index]
        log.error("the %s of the record at %s was refused (%r): sending a dead letter with a cut payload instead",
                  "enriched article" if outcome.ok else "dead letter", where(item), refusal)
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
                    f"dead letter of the record at {where(incoming[index])} not acknowledged: {error!r}"
                ) from error
    return BatchReport(outcomes=outcomes, seconds=report.seconds)

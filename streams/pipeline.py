"""The batch pipeline: batch k+1 is enriched while batch k's outputs are on their way.

A batch goes through three steps, in the order batches were submitted:

1. **enrich** (a worker thread when NLP is on: spaCy holds the CPU, the event loop stays
   free to heart-beat, fetch and commit): ``enrich_safely``, which never raises;
2. **deliver** (the event loop): publish every outcome to its destination's topic and wait
   until the broker has acknowledged all of them (``streams.delivery``);
3. **release**: only now may the consumer commit the batch's input offsets.

The two stages run side by side, so spaCy never waits for the broker and the broker never
waits for spaCy; at most ``depth`` batches are between submit and release, so a slow
broker slows consumption instead of filling memory. With ``enrich_concurrency`` 2, two
batches are enriched at once (the core's two processes: one batch tagged while the next is
read), still delivered and released in the order they were submitted.

A batch is completed, or the process ends uncommitted: if delivering fails (outputs not
acknowledged) or a stage breaks, ``on_fatal`` is called, by default ``exit_now``, which
ends the process at once like a crash; restarted, the worker processes the batches that
were in flight again (README: "Failures").
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from streams import metrics
from streams.core.outcomes import BatchReport, Incoming, Outcome, dead_outcome
from streams.delivery import DEFAULT_SOURCE, Senders, deliver, where
from streams.errors import EXIT_RESTART, ProcessFailure

log = logging.getLogger(__name__)

#: Tries of a whole batch when enrich_batch raises, before its records are tried one by one.
ENRICH_ATTEMPTS = 3
RETRY_DELAY = 0.5  # seconds before the second try, doubled for each next one
#: Batches between submit and release: one being enriched, one being delivered, one waiting.
DEPTH = 3

Enrich = Callable[[list[Incoming]], Awaitable[BatchReport]]


def exit_now(message: str, *args: object) -> NoReturn:
    """Log why, then end the process at once, like a crash: nothing more is committed.

    Offsets are committed only for released batches, so a restart (by a supervisor)
    reprocesses the batches in flight: at-least-once, as after a ``kill -9``.
    """
    log.critical(message, *args, exc_info=sys.exc_info()[0] is not None)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(EXIT_RESTART)


async def enrich_safely(
    enrich: Enrich,
    incoming: list[Incoming],
    *,
    attempts: int = ENRICH_ATTEMPTS,
    delay: float = RETRY_DELAY,
) -> BatchReport:
    """``enrich(incoming)``, retried, then record by record, then dead letters; raises only a
    ``ProcessFailure`` (the process must end: not the records' fault)."""
    for attempt in range(1, attempts + 1):
        try:
            return await enrich(incoming)
        except ProcessFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever enrich raises, the batch is tried again
            log.warning("enriching a batch of %d records failed (try %d of %d): %r",
                        len(incoming), attempt, attempts, exc, exc_info=attempt == attempts)
        if attempt < attempts:
            await asyncio.sleep(delay * 2 ** (attempt - 1))
    outcomes: list[Outcome] = []
    for item in incoming:
        try:
            outcomes += (await enrich([item])).outcomes
        except ProcessFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - the record fails alone: it is dead-lettered
            log.error("dead-lettering the record at %s: enriching it alone fails too: %r", where(item), exc)
            outcomes.append(dead_outcome(item, reason=f"enrichment raised {exc!r} (tried {attempts + 1} times)"))
    return BatchReport(outcomes=outcomes)


@dataclass
class Batch:
    """Records on their way through the pipeline; ``token`` is what ``release`` gets back."""

    incoming: list[Incoming]
    token: Any = None
    report: BatchReport | None = field(default=None, repr=False)
    enriching: asyncio.Future[BatchReport | None] | None = field(default=None, repr=False)


class Pipeline:
    """Enrich, deliver and release batches in submission order, two stages at once."""

    def __init__(
        self,
        enrich: Enrich,
        senders: Senders,
        release: Callable[[Any], Awaitable[None]],
        *,
        depth: int = DEPTH,
        on_fatal: Callable[..., Any] = exit_now,
        retry_delay: float = RETRY_DELAY,
        source: str = DEFAULT_SOURCE,
        enrich_concurrency: int = 1,
    ):
        """``source`` names this worker in its outputs' headers (``ce_source``: the app id);
        ``enrich_concurrency``: batches enriched at once (``enrich`` must allow it)."""
        self._enrich, self._release, self._on_fatal = enrich, release, on_fatal
        self._senders, self._source = senders, source
        self._retry_delay = retry_delay
        self._slots = asyncio.Semaphore(depth)
        self._enrich_slots = asyncio.Semaphore(enrich_concurrency)
        self._enriching: set[asyncio.Future[BatchReport | None]] = set()
        self._broken = False  # a batch could not be completed: nothing more is enriched or released
        self._to_enrich: asyncio.Queue[Batch] = asyncio.Queue()
        self._to_deliver: asyncio.Queue[Batch] = asyncio.Queue()
        self._in_flight = 0
        self._shedding = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._stages = [
            asyncio.ensure_future(self._stage("enrich", self._to_enrich, self._enrich_one, self._enrich_slots)),
            asyncio.ensure_future(self._stage("deliver", self._to_deliver, self._deliver_one)),
        ]

    async def submit(self, incoming: list[Incoming], token: Any = None) -> bool:
        """Queue a batch; waits while ``depth`` batches are already in flight (back-pressure).

        Returns False, queuing nothing, once the pipeline is stopping (``shed``): the batch is
        never released, so never committed, and the partition's next owner enriches it.
        """
        if self._shedding:
            return False
        await self._slots.acquire()
        if self._shedding:
            self._slots.release()
            return False
        self._in_flight += 1
        self._idle.clear()
        metrics.IN_FLIGHT.inc(len(incoming))
        metrics.ARTICLES_CONSUMED.inc(len(incoming))
        self._to_enrich.put_nowait(Batch(incoming, token))
        return True

    async def drain(self) -> None:
        """Wait until every submitted batch is released."""
        await self._idle.wait()

    def shed(self) -> int:
        """For a graceful stop: take no more batches and drop those not yet being enriched.

        The batches being enriched and those being delivered go on to their release, so a
        stop costs at most ``enrich_concurrency`` batches' enrichment. The dropped ones are never released,
        so never committed: the next owner of their partitions enriches them (no output of
        theirs was published, so no duplicates either). Returns the records dropped.
        """
        self._shedding = True
        dropped = 0
        while not self._to_enrich.empty():
            batch = self._to_enrich.get_nowait()
            dropped += len(batch.incoming)
            metrics.IN_FLIGHT.dec(len(batch.incoming))
            self._finished()
        return dropped

    def cancel(self) -> None:
        """Stop both stages; batches in flight are not released, so not committed."""
        for task in (*self._stages, *self._enriching):
            task.cancel()

    async def _stage(self, name: str, queue: asyncio.Queue[Batch], step: Callable[[Batch], Awaitable[None]],
                     slots: asyncio.Semaphore | None = None) -> None:
        """``slots``: taken before a batch is (a batch waiting for one stays in the queue, for ``shed``)."""
        while not self._broken:
            if slots is not None:
                await slots.acquire()
            batch = await queue.get()
            try:
                await step(batch)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - DeliveryFailed, or a bug: never commit the batch
                self._fail(name, len(batch.incoming), exc)
                return
            del batch  # waiting for the next one must not keep this one's records alive

    def _fail(self, stage: str, records: int, exc: BaseException) -> None:
        """Nothing more is enriched or released; ``on_fatal`` ends the process (``exit_now``)."""
        self._broken = True
        self._on_fatal("could not complete a batch of %d records (%s: %r); exiting without committing it "
                       "or the batches after it (restarted, the worker processes them again)", records, stage, exc)

    async def _enrich_one(self, batch: Batch) -> None:
        """Start the batch's enrichment (its slot is taken) and queue it for delivery at once:
        delivery waits for it there, so batches leave in the order they came."""
        batch.enriching = asyncio.ensure_future(self._enriched(batch.incoming))
        self._enriching.add(batch.enriching)
        batch.enriching.add_done_callback(self._enriching.discard)
        self._to_deliver.put_nowait(batch)

    async def _enriched(self, incoming: list[Incoming]) -> BatchReport | None:
        """The batch's report; None when it cannot be enriched (a ``ProcessFailure``): the process
        ends at once, and its slot stays taken, so no other batch starts."""
        try:
            report = await enrich_safely(self._enrich, incoming, delay=self._retry_delay)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - a dead core process, or a bug: never commit the batch
            self._fail("enrich", len(incoming), exc)
            return None
        self._enrich_slots.release()
        return report

    async def _deliver_one(self, batch: Batch) -> None:
        assert batch.enriching is not None
        batch.report, batch.enriching = await batch.enriching, None
        if batch.report is None:  # its enrichment failed: the process is ending
            return
        published = await deliver(self._senders, batch.incoming, batch.report, source=self._source)
        metrics.record_batch(published)
        await self._release(batch.token)
        metrics.IN_FLIGHT.dec(len(batch.incoming))
        self._finished()

    def _finished(self) -> None:
        """A batch left the pipeline (released, or dropped by ``shed``): its slot is free."""
        self._in_flight -= 1
        if not self._in_flight:
            self._idle.set()
        self._slots.release()

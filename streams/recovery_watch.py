"""A table recovery that receives nothing is restarted, rather than pausing the worker until the next rebalance.

Why: in about 1 run in 10 of the join-and-leave test on the embedded broker, Faust's recovery after a
rebalance waited on a changelog partition from which no record ever came. Faust keeps every stream
partition paused while a recovery runs, so that process neither counted nor enriched until some other
rebalance restarted its recovery (17 s once; articles came after their windows closed).

The watch looks at the recovery every tick. When an active changelog partition still has records to
replay and none has arrived for ``stall_after`` seconds, it does what the start of a recovery does for
that partition: seeks it to the offset the recovery waits for and resumes it (a record fetched twice
is ignored by the recovery, which keeps the highest offset it has seen). If that brings nothing either
within ``stall_after``, it asks the group to rebalance: what ended the stall before, at the cost of a
pause of every member. Each step is logged with what the consumer held, to find the cause.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from faust.types import TP

from streams.metrics import RECOVERY_STALLS

log = logging.getLogger(__name__)

#: Seconds without a record from a changelog partition that still has some to replay.
STALL_AFTER = 5.0


class RecoveryWatch:
    """Watches ``app.tables.recovery``; ``check()`` once a second (a Faust timer)."""

    def __init__(self, app: Any, stall_after: float = STALL_AFTER):
        self.app, self.stall_after = app, stall_after
        self.recovery_started: float | None = None  # the recovery the steps below belong to
        self.reseeked_at: float | None = None

    def stalled(self, now: float) -> dict[TP, int]:
        """Active changelog partitions with records left and none received for ``stall_after``: tp -> offset."""
        recovery = self.app.tables.recovery
        if not recovery.in_recovery or recovery._recovery_started_at is None:  # noqa: SLF001 - Faust keeps no public one
            return {}
        started = recovery._recovery_started_at  # noqa: SLF001
        received = recovery._active_events_received_at  # noqa: SLF001
        since = max(started, self.reseeked_at or 0.0)
        return {tp: recovery.active_offsets[tp] for tp, left in recovery.active_remaining().items()
                if left > 0 and now - max(received.get(tp, since), since) >= self.stall_after}

    async def check(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        recovery = self.app.tables.recovery
        if recovery._recovery_started_at != self.recovery_started:  # noqa: SLF001 - a new recovery: start over
            self.recovery_started, self.reseeked_at = recovery._recovery_started_at, None  # noqa: SLF001
        consumer = self.app.consumer
        stalled = self.stalled(now) if consumer.flow_active else {}  # flow stopped: a rebalance restarts it anyway
        if not stalled:
            return
        remedy = "seek" if self.reseeked_at is None else "rebalance"
        log.warning("table recovery: nothing received for %.0f s from %s (%s); %s", self.stall_after,
                    sorted(f"{tp.topic}/{tp.partition}@{offset}" for tp, offset in stalled.items()),
                    self.describe(set(stalled)),
                    "seeking them again" if remedy == "seek" else "asking the group to rebalance")
        RECOVERY_STALLS.labels(remedy).inc()
        if remedy == "seek":  # a seek that raises is tried again at the next tick
            for tp, offset in stalled.items():
                await consumer.seek(tp, max(offset, 0))  # where Faust's recovery starts a partition
            consumer.resume_partitions(stalled)
            self.reseeked_at = now
        else:  # a rebalance is asked for at most once per stall_after
            self.reseeked_at = now
            await self.request_rebalance()

    def describe(self, tps: set[TP]) -> str:
        """What the consumer holds for these partitions: enough to tell the causes apart in a log."""
        consumer = self.app.consumer
        try:
            active = consumer._get_active_partitions()  # noqa: SLF001
            paused = consumer._paused_partitions  # noqa: SLF001
            buffered = consumer._buffered_partitions  # noqa: SLF001
            return (f"flow active {consumer.flow_active}, fetch ready {self.app.flow_control.is_active()}, "
                    f"not in the fetched set {sorted(str(tp.partition) for tp in tps - active)}, "
                    f"paused {sorted(str(tp.partition) for tp in tps & paused)}, "
                    f"stream partitions held back {len(buffered)}")
        except Exception as exc:  # noqa: BLE001 - a log line must not end the watch
            return f"consumer state unknown: {exc!r}"

    async def request_rebalance(self) -> None:
        """Ask the group coordinator for a rejoin, in the thread that runs the Kafka client."""
        thread = self.app.consumer._thread  # noqa: SLF001 - Faust runs aiokafka in its own thread

        async def rejoin() -> None:
            thread._ensure_consumer()._coordinator.request_rejoin()  # noqa: SLF001

        await thread.call_thread(rejoin)

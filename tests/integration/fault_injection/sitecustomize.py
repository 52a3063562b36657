"""Fault injection for a worker started with this directory on PYTHONPATH (Python imports ``sitecustomize`` at start).

With ``LOSE_CHANGELOG_RECORDS=1``: in every table recovery but the process's first, the changelog records fetched in
its first 4 s are dropped after the client has moved past them. That is the stall seen in the join-and-leave test
(a recovery waiting for records that never come), made to happen every time: only the recovery watch ends it.
"""

import os
import sys
import time

if os.environ.get("LOSE_CHANGELOG_RECORDS") == "1":
    import streams.faust_transport as transport

    _getmany = transport.Consumer.getmany
    _first_recovery: list[float] = []

    async def getmany(self, timeout):
        async for tp, message in _getmany(self, timeout):
            recovery = self.app.tables.recovery
            started = recovery._recovery_started_at
            if started is not None and not _first_recovery:
                _first_recovery.append(started)
            if (tp.topic.endswith("-changelog") and recovery.in_recovery and started is not None
                    and started != _first_recovery[0] and time.monotonic() - started < 4.0):
                print(f"fault injection: dropped {tp.topic}/{tp.partition}@{message.offset}", file=sys.stderr,
                      flush=True)
                continue
            yield tp, message

    transport.Consumer.getmany = getmany

"""The core (decoding, cleaning, NER, tagging) in a child process of each worker process.

Why: in one interpreter, spaCy in the NLP thread and the event loop (Kafka, Faust, JSON,
metrics) take turns holding the GIL, and each waits for the other. In a child of its own the
core runs as bare spaCy does, and the worker's event loop only moves records. The worker
sends each batch's raw records through a pipe and gets its ``BatchReport`` back: the same
call as ``Enricher.enrich_batch``, so the pipeline, delivery and their guarantees are those
of the in-thread core.

Failures: a child that dies while it holds a batch (killed, out of memory, a crash inside
spaCy) raises ``CoreProcessDied``, a ``ProcessFailure``: the pipeline neither retries nor
dead-letters the batch (the records are not at fault), the worker exits as if it had crashed,
and its restart processes the batch again, as before the core had a process of its own. A
child found dead between batches is started again. The child dies with its worker
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of the worker leaves nothing behind; it ignores
SIGINT and SIGTERM sent to the whole process group (Ctrl-C, systemd), so a graceful stop of
the worker finishes its batch, then closes the pipe, which ends the child.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from streams.core.outcomes import BatchReport, Incoming
from streams.errors import NewsstreamError, ProcessFailure

log = logging.getLogger(__name__)

#: Seconds the child may take to load the pipeline and the gazetteer before it is given up on.
START_TIMEOUT = 300.0


class CoreProcessDied(ProcessFailure):
    """The core's child process ended while it held a batch, or could not be started again: the
    worker must exit (restarted, it processes the batch again)."""


class CoreProcessError(NewsstreamError, RuntimeError):
    """The core's child process could not start: its Enricher raised (a model that will not load)."""


class CoreProcess:
    """An ``Enricher`` in a child process, with its ``enrich_batch`` and ``pipeline_info``.

    ``enricher_options`` are the keyword arguments of ``Enricher``. Calls are serialised:
    the worker makes them from its one NLP thread.
    """

    def __init__(self, enricher_options: dict[str, Any], *, start_timeout: float = START_TIMEOUT):
        self._options = enricher_options
        self._start_timeout = start_timeout
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._process: Any = None
        self._connection: Any = None
        self.pipeline_info: dict[str, Any] = {}
        self.starts = 0
        self._closed = False
        self._start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start(self) -> None:
        started = time.monotonic()
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(theirs, self._options, os.getpid()),
                                        name="newsstream-core", daemon=True)
        try:
            process.start()
        except OSError as exc:
            ours.close()
            raise CoreProcessError(f"the core process could not be started: {exc}") from exc
        finally:
            theirs.close()
        self._process, self._connection = process, ours
        self.starts += 1
        if not ours.poll(self._start_timeout):
            self._stop_child()
            raise CoreProcessError(f"the core process did not start within {self._start_timeout:.0f} s")
        try:
            status, payload = ours.recv()
        except (EOFError, OSError) as exc:
            code = self._stop_child()
            raise CoreProcessError(f"the core process ended while starting (exit code {code})") from exc
        if status != "ready":
            self._stop_child()
            raise CoreProcessError(payload)
        self.pipeline_info = payload
        log.info("core process started (pid %d) in %.1f s", process.pid, time.monotonic() - started)

    def enrich_batch(self, items: Sequence[Incoming]) -> BatchReport:
        """``Enricher.enrich_batch`` in the child; raises ``CoreProcessDied`` if the child ends meanwhile."""
        with self._lock:
            if self._closed:
                raise CoreProcessDied("the core process was closed")
            if self._process is None or not self._process.is_alive():
                try:
                    self._restart("it had ended between batches")
                except NewsstreamError as exc:
                    raise CoreProcessDied(f"the core process could not be started again: {exc}") from exc
            try:
                self._connection.send(list(items))
                status, payload = self._connection.recv()
            except (EOFError, OSError) as exc:
                code = self._stop_child()
                raise CoreProcessDied(
                    f"the core process ended (exit code {code}) while enriching a batch of {len(items)} records"
                ) from exc
        if status == "error":  # enrich_batch raised in the child: a bug, the pipeline retries
            raise RuntimeError(f"enrich_batch raised in the core process: {payload}")
        return payload

    def _restart(self, why: str) -> None:
        log.warning("starting the core process again: %s", why)
        self._stop_child()
        self._start()

    def _stop_child(self, timeout: float = 5.0) -> int | None:
        process, self._process = self._process, None
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
            self._connection = None
        if process is None:
            return None
        process.join(timeout)  # the pipe closed: it ends by itself
        if process.is_alive():
            process.kill()
            process.join(timeout)
        return process.exitcode

    def close(self) -> None:
        """End the child (it ends when its pipe closes); later calls raise ``CoreProcessDied``."""
        with self._lock:
            self._closed = True
            self._stop_child()


def serve(connection, options: dict[str, Any], parent: int) -> None:
    """In the child: build the Enricher, say it is ready, then answer batches until the pipe closes."""
    _die_with(parent)
    for signum in (signal.SIGINT, signal.SIGTERM):  # sent to the whole group (Ctrl-C, systemd): the worker decides
        signal.signal(signum, signal.SIG_IGN)
    from streams.core.enrich import Enricher

    try:
        enricher = Enricher(**options)
    except Exception as exc:  # noqa: BLE001 - reported to the worker, which fails its start with it
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    connection.send(("ready", enricher.pipeline_info))
    while True:
        try:
            items = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("report", enricher.enrich_batch(items))
        except Exception as exc:  # noqa: BLE001 - it should not raise: the worker's pipeline handles it
            answer = ("error", repr(exc))
        connection.send(answer)


def _die_with(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent ends; end now if it already has."""
    with contextlib.suppress(Exception):  # best effort: not Linux
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)

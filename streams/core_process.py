"""The core (decoding, cleaning, NER, tagging) in a child process of each worker process.

Why: in one interpreter, spaCy in the NLP thread and the event loop (Kafka, Faust, JSON,
metrics) take turns holding the GIL, and each waits for the other. In a child of its own the
core runs as bare spaCy does, and the worker's event loop only moves records. The worker
sends each batch's raw records through a pipe and gets its ``BatchReport`` back: the same
result as ``Enricher.enrich_batch``, so the pipeline, delivery and their guarantees are those
of the in-thread core. Split (``NEWSSTREAM_CORE_SPLIT``), tagging (places, countries, records)
has a child of its own: the reading child's ``Reading`` goes to it through the worker, and
spaCy reads batch k+1 while batch k is tagged.

Failures: a child that dies while it holds a batch (killed, out of memory, a crash inside
spaCy) raises ``CoreProcessDied``, a ``ProcessFailure``: the pipeline neither retries nor
dead-letters the batch (the records are not at fault), the worker exits as if it had crashed,
and its restart processes the batch again, as before the core had a process of its own. A
child found dead between batches is started again. Each child dies with its worker
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
from multiprocessing.reduction import ForkingPickler
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
    """An ``Enricher`` in child processes, with its ``enrich_batch`` and ``pipeline_info``.

    One child does both stages; with ``split``, two children, one per stage: one reads
    (decoding, cleaning, NER: ``Enricher.read_batch``), the other tags (``Enricher.tag_batch``).
    ``enrich_batch`` hands a batch to the first, then its ``Reading`` to the second, so while one
    batch is tagged the next is already in spaCy. ``enricher_options`` are the keyword arguments
    of ``Enricher``. Calls may come from two threads at once; each stage takes one batch at a time.
    """

    def __init__(self, enricher_options: dict[str, Any], *, start_timeout: float = START_TIMEOUT,
                 split: bool = False):
        context = multiprocessing.get_context("spawn")
        stages = ("read", "tag") if split else ("all",)
        self._children = [_Child(stage, enricher_options, start_timeout, context) for stage in stages]
        try:
            for child in self._children:  # loading side by side: spaCy in one, the gazetteer in the other
                child.launch()
            for child in self._children:
                child.wait_ready()
        except BaseException:
            self.close()
            raise
        self.pipeline_info: dict[str, Any] = self._children[0].info

    @property
    def pid(self) -> int | None:
        """The reading child's pid (the one that holds spaCy)."""
        return self._children[0].pid

    @property
    def pids(self) -> list[int | None]:
        return [child.pid for child in self._children]

    @property
    def starts(self) -> int:
        """Children started so far, restarts included."""
        return sum(child.starts for child in self._children)

    def enrich_batch(self, items: Sequence[Incoming]) -> BatchReport:
        """``Enricher.enrich_batch`` in the children; raises ``CoreProcessDied`` if one ends meanwhile."""
        payload: Any = list(items)
        for child in self._children:
            payload = child.call(payload, len(items))
        return payload

    def close(self) -> None:
        """End the children (each ends when its pipe closes); later calls raise ``CoreProcessDied``."""
        for child in self._children:
            child.close()


class _Child:
    """One child process that answers one stage's calls through a pipe."""

    def __init__(self, stage: str, options: dict[str, Any], start_timeout: float, context: Any):
        self.stage, self._options, self._start_timeout, self._context = stage, options, start_timeout, context
        self._lock = threading.Lock()
        self._process: Any = None
        self._connection: Any = None
        self._launched = 0.0
        self.info: dict[str, Any] = {}
        self.starts = 0
        self._closed = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def launch(self) -> None:
        self._launched = time.monotonic()
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(theirs, self._options, os.getpid(), self.stage),
                                        name=f"newsstream-core-{self.stage}", daemon=True)
        try:
            process.start()
        except OSError as exc:
            ours.close()
            raise CoreProcessError(f"the core process could not be started: {exc}") from exc
        finally:
            theirs.close()
        self._process, self._connection = process, ours
        self.starts += 1

    def wait_ready(self) -> None:
        ours = self._connection
        if not ours.poll(max(0.0, self._start_timeout - (time.monotonic() - self._launched))):
            self._stop()
            raise CoreProcessError(f"the core process did not start within {self._start_timeout:.0f} s")
        try:
            status, payload = ours.recv()
        except (EOFError, OSError) as exc:
            code = self._stop()
            raise CoreProcessError(f"the core process ended while starting (exit code {code})") from exc
        if status != "ready":
            self._stop()
            raise CoreProcessError(payload)
        self.info = payload
        log.info("core process (%s) started (pid %d) in %.1f s", self.stage, self._process.pid,
                 time.monotonic() - self._launched)

    def call(self, payload: Any, records: int) -> Any:
        with self._lock:
            if self._closed:
                raise CoreProcessDied("the core process was closed")
            if self._process is None or not self._process.is_alive():
                try:
                    log.warning("starting the core process (%s) again: it had ended between batches", self.stage)
                    self._stop()
                    self.launch()
                    self.wait_ready()
                except NewsstreamError as exc:
                    raise CoreProcessDied(f"the core process could not be started again: {exc}") from exc
            try:
                self._connection.send(payload)
                status, answer = self._connection.recv()
            except (EOFError, OSError) as exc:
                code = self._stop()
                raise CoreProcessDied(f"the core process ({self.stage}) ended (exit code {code}) "
                                      f"while enriching a batch of {records} records") from exc
        if status == "error":  # the stage raised in the child: a bug, the pipeline retries
            raise RuntimeError(f"enrich_batch raised in the core process ({self.stage}): {answer}")
        return answer

    def _stop(self, timeout: float = 5.0) -> int | None:
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
        with self._lock:
            self._closed = True
            self._stop()


def serve(connection, options: dict[str, Any], parent: int, stage: str = "all") -> None:
    """In the child: build the Enricher for ``stage``, say it is ready, then answer calls until the pipe closes."""
    _die_with(parent)
    for signum in (signal.SIGINT, signal.SIGTERM):  # sent to the whole group (Ctrl-C, systemd): the worker decides
        signal.signal(signum, signal.SIG_IGN)
    from streams.core.enrich import Enricher

    try:
        enricher = Enricher(**options, stage=stage)
        answer_call = {"read": enricher.read_batch, "tag": enricher.tag_batch}.get(stage, enricher.enrich_batch)
    except Exception as exc:  # noqa: BLE001 - reported to the worker, which fails its start with it
        connection.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    connection.send(("ready", enricher.pipeline_info))
    while True:
        try:
            payload = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("report", answer_call(payload))
        except Exception as exc:  # noqa: BLE001 - it should not raise: the worker's pipeline handles it
            answer = ("error", repr(exc))
        send_answer(connection, answer)


def send_answer(connection, answer: tuple[str, Any]) -> None:
    """Send ``answer``, or an error when it will not pickle (a record nested too deep for the
    pickler): the worker's pipeline then isolates the record, instead of losing the child."""
    try:
        data = ForkingPickler.dumps(answer)
    except Exception as exc:  # noqa: BLE001 - RecursionError, or an object that does not pickle
        data = ForkingPickler.dumps(("error", f"the answer could not be pickled: {exc!r}"))
    connection.send_bytes(data)


def _die_with(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent ends; end now if it already has."""
    with contextlib.suppress(Exception):  # best effort: not Linux
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)

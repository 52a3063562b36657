"""Running N worker processes on one host, as one consumer group.

Each child is a complete single-process worker (`newsstream worker --processes 1`) with
its own metrics port (base port + index), so Prometheus scrapes every process on its own.
Kafka's group protocol spreads the partitions over the children exactly as it does over
processes on other machines; the supervisor only starts them, restarts one that dies,
and forwards SIGTERM/SIGINT so they stop gracefully.
"""

from __future__ import annotations

import logging
import signal
import time
from dataclasses import dataclass, field

from streams.config import Settings
from streams.errors import EXIT_CONFIG
from streams.processes import WorkerProcess, spawn_worker
from streams.scrape_targets import write_targets
from streams.web.server import metrics_url
from streams.worker import RESTARTS_VARIABLE, start_page

log = logging.getLogger(__name__)

#: A child that dies sooner than this after starting is restarted only after a pause,
#: so a worker that cannot start (bad configuration, broker down) does not spin.
MIN_HEALTHY_SECONDS = 30.0
RESTART_BACKOFF_SECONDS = (1, 2, 5, 10, 30)


@dataclass
class Child:
    index: int
    port: int
    worker: WorkerProcess | None = None
    started: float = 0.0
    quick_failures: int = 0
    restarts: int = 0
    restart_at: float | None = field(default=None)


def run_processes(settings: Settings, processes: int) -> int:
    """Start ``processes`` workers and keep them running until SIGTERM/SIGINT; returns an exit code."""
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if _frame is not None:  # a signal, not our own decision
            log.info("received %s: stopping %d worker processes", signal.Signals(signum).name, processes)
        for child in children:
            if child.worker and child.worker.poll() is None:
                child.worker.process.send_signal(signal.SIGTERM)  # all at once: they stop side by side

    base = settings.metrics_port
    children = [Child(index=i, port=base + i if base else 0) for i in range(processes)]
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    # One page for all processes, served from here; the children serve none.
    page = start_page(settings, [metrics_url(settings, child.port) for child in children if child.port])
    child_settings = settings.model_copy(update={"web_port": None})

    def start(child: Child) -> None:
        child.worker = spawn_worker(child_settings, metrics_port=child.port,  # dies with the supervisor: no orphans
                                    env_overrides={RESTARTS_VARIABLE: str(child.restarts)})
        child.started = time.monotonic()
        child.restart_at = None
        log.info("worker process %d started (pid %d, metrics port %d)", child.index, child.worker.pid, child.port)

    for child in children:
        start(child)
    write_targets(settings, [child.port for child in children if child.port])
    exit_code = 0
    while not stopping:
        time.sleep(0.5)
        for child in children:
            if stopping or child.worker is None:
                continue
            code = child.worker.poll()
            if code is None:
                continue
            if code == EXIT_CONFIG:  # a restart would fail the same way: stop them all and say so
                log.error("worker process %d failed with a configuration error (exit %d, its log says why); "
                          "not restarting it: stopping the others", child.index, code)
                stop(signal.SIGTERM, None)
                exit_code = EXIT_CONFIG
                break
            if child.restart_at is None:
                lived = time.monotonic() - child.started
                child.quick_failures = child.quick_failures + 1 if lived < MIN_HEALTHY_SECONDS else 0
                delay = RESTART_BACKOFF_SECONDS[min(child.quick_failures, len(RESTART_BACKOFF_SECONDS) - 1)]
                child.restart_at = time.monotonic() + (delay if child.quick_failures else 0)
                log.warning("worker process %d exited with code %s after %.0f s; restarting in %.0f s",
                            child.index, code, lived, child.restart_at - time.monotonic())
            if time.monotonic() >= child.restart_at:
                child.restarts += 1
                start(child)
    deadline = time.monotonic() + 30
    for child in children:
        if child.worker is None:
            continue
        # SIGTERM was sent by stop(): wait for it until the deadline, then SIGKILL
        code = child.worker.stop(max(0.1, deadline - time.monotonic()), sig=None, name=f"worker process {child.index}")
        if code == EXIT_CONFIG:  # already stopped and counted above
            continue
        exit_code = exit_code or (code if code > 0 else 0)
    if page is not None:
        page.stop()
    return exit_code

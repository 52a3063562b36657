"""The live page in a process of its own, beside the worker (or the supervisor of N).

Reading the enriched topic and serialising the page's state in the worker's own interpreter
took a third of a no-NLP worker's throughput (README "Live page"); in its own process it takes
none of the worker's event loop. It also runs at a lower CPU priority (``NICENESS``): where the
page's reading and the worker's enrichment compete for the same cores, the worker wins and the page
catches up in larger reads (its counts stay exact, its updates come later). The child dies with its
parent (``start_process``).

    python -m streams.web.process METRICS_URL...   # settings from NEWSSTREAM_*, as the worker's
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from subprocess import Popen

from streams.config import Settings, load_settings, loopback_if_any, settings_environment
from streams.errors import EXIT_CONFIG, ConfigError

log = logging.getLogger(__name__)

#: Added to the page process's niceness: the page is a second reader of the topics, never the worker's rival.
NICENESS = 10


@dataclass
class PageProcess:
    process: Popen
    url: str

    def stop(self, timeout: float = 10.0) -> int:
        from streams.processes import stop_process

        return stop_process(self.process, timeout, name="live page")


def spawn_page(settings: Settings, metrics_urls: list[str], *, timeout: float = 60.0) -> PageProcess:
    """Start the page's process and return once it answers; ConfigError (its log says why) if it exits."""
    from streams.processes import free_port, start_process
    from streams.status import fetch
    from streams.web.server import check_address

    port = settings.web_port or free_port(settings.web_host or "127.0.0.1")
    check_address(settings.web_host, port)
    env = settings_environment(settings.model_copy(update={"web_port": port}))
    process = start_process([sys.executable, "-m", "streams.web.process", *metrics_urls], env=env)
    page = PageProcess(process, f"http://{loopback_if_any(settings.web_host)}:{port}/")
    deadline = time.monotonic() + timeout
    while (answer := fetch(page.url, timeout=2.0)) is None or answer[0] != 200:
        if process.poll() is not None:
            raise ConfigError(f"the live page did not start (exit {process.returncode}; its log line says why)")
        if time.monotonic() > deadline:
            page.stop()
            raise ConfigError(f"the live page did not answer on {page.url} within {timeout:.0f} s")
        time.sleep(0.1)
    return page  # the page's process logged its URL


def main(metrics_urls: list[str]) -> int:
    from streams.web.server import PageServer

    os.nice(NICENESS)
    settings = load_settings()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # before it answers: a stop may come right after
        signal.signal(signum, lambda *_: stopping.set())
    try:
        server = PageServer(settings, metrics_urls=metrics_urls).start()
    except ConfigError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    stopping.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

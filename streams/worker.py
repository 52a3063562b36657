"""Running the worker: load the model, serve metrics, create topics, run the Faust app.

The slow, failure-prone steps (model, gazetteer, broker connection) happen before the
worker joins the consumer group, so it only takes partitions once it can process them.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import faust

from streams import __version__, metrics
from streams.app import create_app
from streams.config import Settings
from streams.core.enrich import Enricher
from streams.core_process import CoreProcess
from streams.pipeline import EXIT_RESTART, exit_now
from streams.topics import ensure_topics
from streams.trends_view import TrendsView
from streams.web.process import PageProcess, spawn_page
from streams.web.server import metrics_url

log = logging.getLogger(__name__)


class BoundedStopWorker(faust.Worker):
    """A faust.Worker whose graceful stop cannot outlast ``stop_timeout`` seconds.

    On SIGTERM Faust waits for the batch in flight, commits, leaves the group and exits;
    a batch of long articles may take minutes, and a supervisor will not wait that long.
    Past the timeout the process ends at once: the batch's records are not committed, so
    the next owner of their partitions enriches them again.
    """

    def __init__(self, *args, stop_timeout: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop_timeout = stop_timeout
        self._deadline: threading.Timer | None = None

    def _on_sigint(self) -> None:
        """Ctrl-C: the same graceful stop as SIGTERM, said once (mode prints a line of "-INT-")."""
        log.info("interrupted: stopping gracefully")
        self._schedule_shutdown(signal.SIGINT)

    async def stop(self) -> None:
        if self._deadline is None:
            self._deadline = threading.Timer(self.stop_timeout, self._abandon)
            self._deadline.daemon = True
            self._deadline.start()
        await super().stop()

    def _abandon(self) -> None:
        exit_now("graceful stop took longer than %.0f s: exiting now, abandoning the batch in flight if any "
                 "(it is not committed: it will be processed again)", self.stop_timeout)


#: Set by the supervisor in each child: how often it restarted that process's slot.
RESTARTS_VARIABLE = "NEWSSTREAM_PROCESS_RESTARTS"


def run_worker(settings: Settings) -> None:
    """Blocks until the worker is stopped (SIGTERM/SIGINT: graceful).

    What can fail before the worker joins its group raises a ``NewsstreamError`` (a port in
    use, a model that will not load: exit 1; a broker out of reach: exit 75), which the
    command line reports in one line. Once Faust runs, a crash exits 75: restart me.
    """
    health = metrics.Health()
    metrics.init_labels()
    metrics.WORKER_RESTARTS.set(int(os.environ.get(RESTARTS_VARIABLE) or 0))
    server = metrics.MetricsServer(health, host=settings.metrics_host, port=settings.metrics_port).start()
    server.routes["/trends"] = TrendsView(settings).wsgi  # any process answers for all (streams.trends_view)
    page = core = None
    try:
        page = start_page(settings, [metrics_url(settings, server.port)])
        started = time.monotonic()
        options = {
            "model": settings.spacy_model,
            "max_record_bytes": settings.max_record_bytes,
            "nlp_batch_size": settings.nlp_batch_size,
            "ner_cache_bytes": settings.ner_cache_bytes,
            "nlp_enabled": settings.nlp_enabled and settings.enrich_enabled,  # a trends-only worker needs no model
            "languages": settings.languages.split(","),
            "preload": [code for code in settings.preload_languages.split(",") if code],
        }
        if options["nlp_enabled"] and settings.core_process:
            enricher = core = CoreProcess(options, split=settings.core_split)  # the core in child processes
        else:
            enricher = Enricher(**options)
        health.model_loaded = True
        pipeline = enricher.pipeline_info
        metrics.BUILD_INFO.info(
            {"version": __version__, "model": pipeline["model"], "model_version": pipeline["version"],
             "spacy": pipeline.get("spacy", "none")}
        )
        log.info("model %s and gazetteer loaded in %.1f s", enricher.pipeline_info["model"], time.monotonic() - started)
        ensure_topics(settings)
        app = create_app(settings, enricher, health)
        worker = BoundedStopWorker(
            app, stop_timeout=settings.shutdown_timeout, loglevel=settings.log_level, redirect_stdouts=False
        )
        try:
            worker.execute_from_commandline()
        except SystemExit as exc:
            if exc.code not in (None, 0):  # mode exits 1 on a crash: transient as far as we know
                raise SystemExit(EXIT_RESTART) from None
            raise
    finally:
        if core is not None:
            core.close()
        if page is not None:
            page.stop()
        server.stop()


def start_page(settings: Settings, metrics_urls: list[str]) -> PageProcess | None:
    """The live page, when ``web_port`` is set, in a process of its own: started by the one worker,
    or by the supervisor of N (not by its children)."""
    if settings.web_port is None:
        return None
    return spawn_page(settings, metrics_urls)

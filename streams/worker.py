"""Running the worker: load the model, serve metrics, create topics, run the Faust app.

The slow, failure-prone steps (model, gazetteer, broker connection) happen before the
worker joins the consumer group, so it only takes partitions once it can process them.
"""

from __future__ import annotations

import logging
import time

import faust

from streams import __version__, metrics
from streams.app import create_app
from streams.config import Settings
from streams.core.enrich import Enricher
from streams.topics import ensure_topics

log = logging.getLogger(__name__)


def run_worker(settings: Settings) -> None:
    """Blocks until the worker is stopped (SIGTERM/SIGINT: graceful)."""
    health = metrics.Health()
    metrics.init_labels()
    server = metrics.MetricsServer(health, host=settings.metrics_host, port=settings.metrics_port).start()
    try:
        started = time.monotonic()
        enricher = Enricher(
            model=settings.spacy_model,
            max_record_bytes=settings.max_record_bytes,
            nlp_batch_size=settings.nlp_batch_size,
            nlp_enabled=settings.nlp_enabled,
        )
        health.model_loaded = True
        metrics.BUILD_INFO.info({"version": __version__, **enricher.pipeline_info})
        log.info("model %s and gazetteer loaded in %.1f s", enricher.pipeline_info["model"], time.monotonic() - started)
        ensure_topics(settings)
        app = create_app(settings, enricher, health)
        faust.Worker(app, loglevel=settings.log_level, redirect_stdouts=False).execute_from_commandline()
    finally:
        server.stop()

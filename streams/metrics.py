"""Prometheus metrics and the HTTP endpoint that serves them with /healthz and /readyz.

The endpoint runs in its own thread, so a scrape is answered even while a batch is
being enriched; /healthz still notices a stuck event loop, because the worker's loop
must tick ``Health.beat()`` at least every ``stale_after`` seconds.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from streams.errors import ConfigError

log = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

ARTICLES_CONSUMED = Counter("newsstream_articles_consumed_total", "Raw records consumed from the input topic.")
ARTICLES_ENRICHED = Counter("newsstream_articles_enriched_total", "Articles enriched and acknowledged by the broker.")
ARTICLES_DEADLETTERED = Counter(
    "newsstream_articles_deadlettered_total", "Records sent to the dead-letter topic, by error code.", ["code"]
)
STAGE_DURATION = Histogram(
    "newsstream_batch_stage_duration_seconds",
    "Time spent per batch in each enrichment stage (clean, ner, tag, total).",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
END_TO_END_LATENCY = Histogram(
    "newsstream_end_to_end_latency_seconds",
    "Enriched record acknowledged minus the raw record's Kafka timestamp.",
    buckets=_LATENCY_BUCKETS,
)
BATCH_SIZE = Histogram("newsstream_batch_size_records", "Records per enrichment batch.", buckets=_BATCH_BUCKETS)
IN_FLIGHT = Gauge("newsstream_records_in_flight", "Records taken from Kafka and not yet acknowledged downstream.")
ENTITIES = Counter("newsstream_entities_total", "Entities extracted, by spaCy label.", ["label"])
COUNTRY_TAGS = Counter(
    "newsstream_country_tags_total", "Country tags emitted, by ISO 3166-1 alpha-2 code.", ["country"]
)
ARTICLES_BY_LANGUAGE = Counter(
    "newsstream_articles_by_language_total",
    "Enriched articles by the language they were read as (ISO 639-1 or und) and the pipeline that read them "
    "(ner-en, ner-fr, country-names, none).",
    ["language", "pipeline"],
)
CONSUMER_LAG = Gauge(
    "newsstream_consumer_lag_records",
    "Input records not yet committed, per assigned partition: high watermark minus committed offset.",
    ["topic", "partition"],
)
WORKER_RESTARTS = Gauge(
    "newsstream_worker_restarts",
    "Times the supervisor (--processes N) has restarted this process's slot since it started; 0 alone.",
)
NER_CACHE_PARAGRAPHS = Counter(
    "newsstream_ner_cache_paragraphs_total",
    "Paragraphs whose entities came from the NER cache (hit) or were read by spaCy (miss).",
    ["result"],
)
NER_CACHE_BYTES = Gauge(
    "newsstream_ner_cache_bytes", "Bytes the NER cache counts against its bound (NEWSSTREAM_NER_CACHE_BYTES)."
)
RECOVERY_STALLS = Counter(
    "newsstream_recovery_stalls_total",
    "Table recoveries restarted because a changelog partition sent nothing (streams.recovery_watch), by remedy.",
    ["remedy"],
)
for _remedy in ("seek", "rebalance"):  # exported at 0 from the start, so that increase() sees the first one
    RECOVERY_STALLS.labels(_remedy)
BUILD_INFO = Info("newsstream_build", "Version of newsstream and of the NLP pipeline it runs.")


def _language_label(code: str) -> str:
    """The language label: a two-letter code or "und" (bounded: ISO 639-1 has 184 codes)."""
    return code if len(code) == 2 and code.isalpha() and code.islower() else "und"


def init_labels() -> None:
    """Create every dead-letter series at 0, so rates and ratios exist before the first error."""
    from streams.core.records import ErrorCode

    for code in ErrorCode:
        ARTICLES_DEADLETTERED.labels(str(code))
    for stage in ("clean", "ner", "tag", "total"):
        STAGE_DURATION.labels(stage)
    for result in ("hit", "miss"):
        NER_CACHE_PARAGRAPHS.labels(result)


class Health:
    """Liveness (the event loop ticks) and readiness (model loaded, group joined)."""

    def __init__(self, stale_after: float = 30.0):
        self.stale_after = stale_after
        self._last_beat = time.monotonic()
        self.model_loaded = False
        self.assigned = False

    def beat(self) -> None:
        self._last_beat = time.monotonic()

    @property
    def alive(self) -> bool:
        return time.monotonic() - self._last_beat < self.stale_after

    @property
    def ready(self) -> bool:
        return self.alive and self.model_loaded and self.assigned

    def describe(self) -> str:
        return (
            f"alive={self.alive} model_loaded={self.model_loaded} "
            f"group_joined={self.assigned} last_beat={time.monotonic() - self._last_beat:.1f}s ago\n"
        )


def health_app(health: Health, metrics_app: Callable, routes: dict[str, Callable] | None = None) -> Callable:
    """``routes``: more WSGI apps by path (``/trends``), looked up at each request (added after start-up)."""
    routes = {} if routes is None else routes

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path in routes:
            return routes[path](environ, start_response)
        if path in ("/healthz", "/readyz"):
            ok = health.alive if path == "/healthz" else health.ready
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [health.describe().encode()]
        if path == "/metrics" or path == "/":
            return metrics_app(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /healthz or /readyz\n"]

    return app


class _QuietHandler(WSGIRequestHandler):
    """Scrapes every few seconds would drown the worker's log (client_python's own quiet
    handler is private to it; its server, one thread per request, is public)."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        """Log nothing."""


class PortInUse(ConfigError):
    """The metrics port is taken: a restart on the same port would fail the same way."""


class MetricsServer:
    """Serves /metrics, /healthz and /readyz from a daemon thread."""

    def __init__(self, health: Health, *, host: str, port: int, registry=REGISTRY):
        self.routes: dict[str, Callable] = {}
        app = health_app(health, make_wsgi_app(registry), self.routes)
        try:
            self._server = make_server(host, port, app, server_class=ThreadingWSGIServer, handler_class=_QuietHandler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(f"cannot serve metrics on {host}:{port} ({exc.strerror}): "
                                  "check NEWSSTREAM_METRICS_HOST and NEWSSTREAM_METRICS_PORT") from None
            raise PortInUse(f"port {port} on {host} is already in use, so the metrics cannot be served there: "
                            "stop what listens on it, or choose another NEWSSTREAM_METRICS_PORT "
                            "(with --processes N, process i uses that port + i)") from None
        self.host, self.port = host, self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics-http", daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics on http://%s:%d/metrics (health: /healthz, /readyz)", self.host, self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def record_batch(report, *, now: float | None = None) -> None:
    """Count one enriched batch: outcomes by kind, stage times, labels and countries."""
    now = time.time() if now is None else now
    BATCH_SIZE.observe(len(report.outcomes))
    for stage, seconds in report.seconds.items():
        STAGE_DURATION.labels(stage).observe(seconds)
    if report.ner_cache:
        for result in ("hit", "miss"):
            NER_CACHE_PARAGRAPHS.labels(result).inc(report.ner_cache[result])
        NER_CACHE_BYTES.set(report.ner_cache["bytes"])
    for outcome in report.outcomes:
        if outcome.ok:
            ARTICLES_ENRICHED.inc()
            for entity in outcome.record["entities"]:
                ENTITIES.labels(entity["label"]).inc(entity["count"])
            for tag in outcome.record["countries"]:
                COUNTRY_TAGS.labels(tag["code"]).inc()
            analysis = outcome.record.get("analysis")
            if analysis:
                ARTICLES_BY_LANGUAGE.labels(_language_label(analysis["language"]), analysis["pipeline"]).inc()
        else:
            ARTICLES_DEADLETTERED.labels(str(outcome.error)).inc()
        source = outcome.record.get("source_offset")
        if source and source.get("timestamp_ms"):
            END_TO_END_LATENCY.observe(max(0.0, now - source["timestamp_ms"] / 1000))

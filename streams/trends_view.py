"""The trends topic as a lookup: the latest record of each window and kind, for `/trends` and the CLI.

A plain consumer without a group reads every partition of the trends topic in a thread, so
each process answers the same whichever windows it counts itself (with N processes, each
window is counted by one of them and published to the one topic).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from kafka.structs import TopicPartition

from streams.config import Settings
from streams.core.trends import (
    KINDS,
    format_duration,
    parse_duration,
    parse_time_ms,
    trend_key,
    window_sizes,
    window_start,
)

log = logging.getLogger(__name__)


class TrendsView:
    """Latest trend record per key, kept for ``settings.trends_retention`` seconds after its window ended."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.records: dict[str, dict[str, Any]] = {}
        self.caught_up = threading.Event()
        self.error: str | None = None
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> TrendsView:
        with self._lock:
            if not self._started:
                self._started = True
                threading.Thread(target=self._follow, name="trends-view", daemon=True).start()
        return self

    def _follow(self) -> None:
        from streams import kafka_io

        try:
            consumer = kafka_io.consumer(self.settings, [], from_beginning=True)
            topic = self.settings.topic_trends
            partitions = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            self._seek_to_retention(consumer, tps)
            while True:
                for batch in consumer.poll(timeout_ms=500).values():
                    for message in batch:
                        self.records[message.key.decode()] = orjson.loads(message.value)
                if not self.caught_up.is_set() and all(
                        (hw := consumer.highwater(tp)) is not None and consumer.position(tp) >= hw for tp in tps):
                    self.caught_up.set()
                self._expire()
        except Exception as exc:  # noqa: BLE001 - reported to whoever asks, and logged
            self.error = f"cannot read {self.settings.topic_trends}: {exc}"
            log.exception("trends view stopped")
            self.caught_up.set()

    def _seek_to_retention(self, consumer: Any, tps: list[TopicPartition]) -> None:
        """Start at the first record young enough to be kept, not at the topic's start: the trends topic holds
        every update of every window (the embedded broker never deletes), and a day of them takes a while to
        read. A broker that cannot search by time answers offset 0 (the embedded one does): still correct."""
        from streams import kafka_io

        since_ms = int((time.time() - self.settings.trends_retention - max(window_sizes(self.settings.trends_windows))
                        - self.settings.trends_grace) * 1000)
        kafka_io.seek_to_time(consumer, tps, max(0, since_ms))

    def _expire(self) -> None:
        oldest = (time.time() - self.settings.trends_retention) * 1000
        for key in [key for key, record in self.records.items()
                    if parse_time_ms(record["window"]["end"]) < oldest]:
            self.records.pop(key, None)

    def lookup(self, window: str, kind: str, at_ms: int | None = None, top: int | None = None) -> dict | None:
        """The record of the ``window``-sized window holding ``at_ms`` (default: now), ``top`` keys at most."""
        size = parse_duration(window)
        at_ms = int(time.time() * 1000) if at_ms is None else at_ms
        record = self.records.get(trend_key(window_start(at_ms, size), size, kind))
        if record is None:
            return None
        return (record | {"top": record["top"][:top]}) if top is not None else record

    def answer(self, query: str) -> tuple[str, dict]:
        """(HTTP status, JSON body) for ``GET /trends?window=15m&kind=country&top=20&at=<RFC 3339>``."""
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        try:
            kind = params.get("kind", "country")
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {', '.join(KINDS)}")
            at_ms = parse_time_ms(params["at"]) if "at" in params else None
            top = int(params["top"]) if "top" in params else None
            window = params.get("window") or format_duration(window_sizes(self.settings.trends_windows)[0])
            parse_duration(window)
        except (ValueError, TypeError) as exc:
            return "400 Bad Request", {"error": str(exc)}
        self.start()
        if not self.caught_up.wait(5.0):
            return "503 Service Unavailable", {"error": "still reading the trends topic, try again"}
        if self.error:
            return "503 Service Unavailable", {"error": self.error}
        record = self.lookup(window, kind, at_ms, top)
        if record is None:
            return "404 Not Found", {"error": f"no {kind} trend for the {window} window at {params.get('at', 'now')}"}
        return "200 OK", record

    def wsgi(self, environ: dict, start_response: Any) -> list[bytes]:
        status, body = self.answer(environ.get("QUERY_STRING", ""))
        start_response(status, [("Content-Type", "application/json")])
        return [orjson.dumps(body)]

"""The live page's HTTP server: read-only, a fixed set of routes, Server-Sent Events for updates.

Routes: ``/`` (the page), ``/static/...`` (its script, style and vendored libraries: only the
files shipped, by name), ``/map.json`` (geometry with ISO codes), ``/state`` (the latest state,
JSON), ``/article?id=`` (one listed article's highlighted text, JSON), ``/events`` (SSE: the
latest state whenever it changes, at most ``MIN_INTERVAL`` apart, and every ``TICK`` anyway). A client that reads slowly
blocks only its own thread, and is sent the latest state when it reads again: no queue grows.
"""

from __future__ import annotations

import errno
import logging
import mimetypes
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import orjson
from prometheus_client.exposition import ThreadingWSGIServer

from streams.config import Settings, loopback_if_any
from streams.core.page import PageState
from streams.core.trends import window_sizes
from streams.errors import ConfigError
from streams.web.follower import Follower, Hub
from streams.web.geometry import STATIC, map_topology

log = logging.getLogger(__name__)

#: Seconds between two updates sent to one client, at least (a burst of articles is one update).
MIN_INTERVAL = 0.5
#: Seconds a quiet client waits for a change before it is sent the state anyway (the per-second figures move).
TICK = 1.0
#: Live clients at most; more get 503 (each holds a thread).
MAX_CLIENTS = 32
STATIC_FILES = ("index.html", "page.css", "page.js", "vendor/d3-array.min.js", "vendor/d3-geo.min.js",
                "vendor/topojson-client.min.js")
SECURITY_HEADERS = [
    # Only this server's own files run: no CDN, no inline script, no article text as markup.
    ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]


def static_files() -> dict[str, tuple[bytes, str]]:
    """The shipped files by URL path, read once."""
    files = {}
    for name in STATIC_FILES:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        files["/" if name == "index.html" else f"/static/{name}"] = ((STATIC / name).read_bytes(),
                                                                   f"{kind}; charset=utf-8")
    return files


class PageApp:
    """The WSGI application of the page over a hub."""

    def __init__(self, hub: Hub, *, stopping: threading.Event | None = None):
        self.hub = hub
        self.stopping = stopping or threading.Event()
        self.files = static_files()
        self.clients = 0
        self._clients_lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return self._send(start_response, "405 Method Not Allowed", b"read-only\n", "text/plain",
                              [("Allow", "GET, HEAD")])
        if path in self.files:
            body, kind = self.files[path]
            return self._send(start_response, "200 OK", body, kind)
        if path == "/map.json":
            return self._send(start_response, "200 OK", map_topology(), "application/json")
        if path == "/state":
            return self._send(start_response, "200 OK", self.hub.snapshot()[1], "application/json")
        if path == "/article":
            article_id = (parse_qs(environ.get("QUERY_STRING", "")).get("id") or [""])[-1]
            article = self.hub.article(article_id)
            if article is None:
                missing = orjson.dumps({"error": "no such article among the latest listed"})
                return self._send(start_response, "404 Not Found", missing, "application/json")
            return self._send(start_response, "200 OK", orjson.dumps(article), "application/json")
        if path == "/events":
            return self._events(start_response)
        return self._send(start_response, "404 Not Found", b"not found: the page is at /\n", "text/plain")

    @staticmethod
    def _send(start_response, status: str, body: bytes, kind: str, extra: list | None = None) -> list[bytes]:
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"), *SECURITY_HEADERS, *(extra or [])])
        return [body]

    def _events(self, start_response) -> Iterable[bytes]:
        with self._clients_lock:
            if self.clients >= MAX_CLIENTS:
                return self._send(start_response, "503 Service Unavailable", b"too many live pages open\n",
                                  "text/plain", [("Retry-After", "10")])
            self.clients += 1
        start_response("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store"),
                                  ("X-Accel-Buffering", "no"), *SECURITY_HEADERS])
        return self._stream()

    def _stream(self) -> Iterator[bytes]:
        """The latest state, each time it changes; a slow reader skips what changed while it was busy."""
        try:
            yield b"retry: 2000\n\n"
            seen, last_sent = None, 0.0
            while not self.stopping.is_set():
                self.hub.wait(seen, TICK)
                tag, body = self.hub.snapshot()
                if tag == seen:
                    yield b": keep-alive\n\n"
                    continue
                pause = MIN_INTERVAL - (time.monotonic() - last_sent)
                if pause > 0:
                    time.sleep(pause)
                    tag, body = self.hub.snapshot()
                seen, last_sent = tag, time.monotonic()
                yield b"event: state\ndata: " + body + b"\n\n"
        finally:
            with self._clients_lock:
                self.clients -= 1


class _QuietHandler(WSGIRequestHandler):
    """Every page load asks for several files: the worker's log stays for the worker."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        """Log nothing."""


class PageServer:
    """The page on ``settings.web_host:web_port``, fed by its own follower; one per deployment host."""

    def __init__(self, settings: Settings, *, metrics_urls: list[str], port: int | None = None):
        host, port = settings.web_host, settings.web_port if port is None else port
        state = PageState(window_size=window_sizes(settings.trends_windows)[0], basis=settings.trends_time)
        self.hub = Hub(state)
        self.follower = Follower(settings, self.hub, metrics_urls)
        self.app = PageApp(self.hub, stopping=self.follower.stopping)
        try:
            self._server = make_server(host, port or 0, self.app, server_class=ThreadingWSGIServer,
                                       handler_class=_QuietHandler)
        except OSError as exc:
            raise unavailable(host, port, exc) from None
        self.host, self.port = host, self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="web-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{loopback_if_any(self.host)}:{self.port}/"

    def start(self) -> PageServer:
        self.follower.start()
        self._thread.start()
        log.info("live page on %s", self.url)
        return self

    def stop(self) -> None:
        self.follower.stop()
        with self.hub.changed:
            self.hub.changed.notify_all()
        self._server.shutdown()
        self._server.server_close()


def unavailable(host: str, port: int, exc: OSError) -> ConfigError:
    """The one-line error of a page address that cannot be served."""
    taken = " (it is in use)" if exc.errno == errno.EADDRINUSE else ""
    return ConfigError(f"cannot serve the live page on {host}:{port}{taken}: {exc.strerror}; "
                       "choose another NEWSSTREAM_WEB_PORT or NEWSSTREAM_WEB_HOST")


def check_address(host: str, port: int) -> None:
    """ConfigError now, in the one line the command ends with, if the page's address cannot be bound
    (the page's process would fail the same way, in its log)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise unavailable(host, port, exc) from None


def metrics_url(settings: Settings, port: int) -> str:
    return f"http://{loopback_if_any(settings.metrics_host)}:{port}"

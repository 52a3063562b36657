"""The live page's HTTP routes over a hub, without Kafka: read-only, fixed files, SSE that skips to the latest."""

from __future__ import annotations

import threading
import time
from wsgiref.util import setup_testing_defaults

import orjson
import pytest

from streams.core.page import PageState
from streams.web import server
from streams.web.follower import Hub, now_ms
from streams.web.geometry import map_topology
from streams.web.server import PageApp
from tests.unit.core.test_page import record


def call(app, path: str, method: str = "GET", query: str = "") -> tuple[str, dict, bytes]:
    environ = {"PATH_INFO": path, "REQUEST_METHOD": method, "QUERY_STRING": query}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def hub() -> Hub:
    return Hub(PageState(window_size=900))


def test_the_page_and_its_files_are_served_with_a_strict_policy(hub):
    app = PageApp(hub)
    status, headers, body = call(app, "/")
    assert status == "200 OK" and headers["Content-Type"].startswith("text/html") and b"/static/page.js" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/static/page.js", "/static/page.css", "/static/vendor/d3-geo.min.js"):
        assert call(app, path)[0] == "200 OK"
    for path in ("/static/../config.py", "/static/vendor/d3-geo.LICENSE", "/metrics", "/static/"):
        assert call(app, path)[0] == "404 Not Found"
    assert call(app, "/", method="POST")[0] == "405 Method Not Allowed"


def test_every_country_shape_has_an_alpha2_code():
    countries = orjson.loads(map_topology())["objects"]["countries"]["geometries"]
    codes = [shape["properties"]["code"] for shape in countries]
    assert len(countries) >= 150 and all(codes)
    assert {"IR", "RU", "US", "XK", "FR", "BR"} <= set(codes)


def test_state_and_article_answer_from_the_hub(hub):
    app = PageApp(hub)
    hub.update(lambda state: state.add_enriched(record("a1", t_ms=now_ms()), now_ms()))
    status, _, body = call(app, "/state")
    assert status == "200 OK" and orjson.loads(body)["countries"] == {"IR": 1, "RU": 1}
    status, _, body = call(app, "/article", query="id=a1")
    assert status == "200 OK" and orjson.loads(body)["segments"]
    assert call(app, "/article", query="id=nope")[0] == "404 Not Found"


def open_events(app):
    """A client's ``GET /events``: the response body as an iterator of chunks."""
    environ = {"PATH_INFO": "/events"}
    setup_testing_defaults(environ)
    return iter(app(environ, lambda status, headers: None))


def test_events_send_the_latest_state_and_a_slow_client_skips_what_it_missed(hub, monkeypatch):
    monkeypatch.setattr(server, "MIN_INTERVAL", 0.0)
    app = PageApp(hub)
    stream = open_events(app)
    assert next(stream).startswith(b"retry:")
    first = next(stream)
    assert first.startswith(b"event: state\ndata: ")
    for i in range(20):  # the client is not reading: twenty changes
        hub.update(lambda state, i=i: state.add_enriched(record(f"b{i}", t_ms=now_ms()), now_ms()))
    latest = orjson.loads(next(stream).split(b"data: ", 1)[1])
    assert latest["version"] == hub.state.version and latest["figures"]["enriched_total"] == 20
    assert app.clients == 1
    stream.close()
    assert app.clients == 0


def test_an_idle_stream_wakes_on_a_change(hub, monkeypatch):
    monkeypatch.setattr(server, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(server, "TICK", 60.0)
    app = PageApp(hub)
    stream = open_events(app)
    next(stream), next(stream)
    threading.Timer(0.3, lambda: hub.update(lambda state: state.add_dead_letter(now_ms()))).start()
    started = time.monotonic()
    chunk = next(stream)
    assert chunk.startswith(b"event: state") and time.monotonic() - started < 5
    assert orjson.loads(chunk.split(b"data: ", 1)[1])["figures"]["dead_total"] == 1
    stream.close()


def test_too_many_live_clients_are_refused(hub, monkeypatch):
    monkeypatch.setattr(server, "MAX_CLIENTS", 1)
    app = PageApp(hub)
    stream = open_events(app)
    next(stream)
    assert call(app, "/events")[0] == "503 Service Unavailable"
    stream.close()


def test_the_follower_skips_bad_records_and_counts_the_rest(hub):
    from types import SimpleNamespace

    from streams.config import load_settings
    from streams.web.follower import Follower

    settings = load_settings(broker="kafka://127.0.0.1:1")
    follower = Follower(settings, hub, metrics_urls=[])

    def message(topic, value, offset):
        return SimpleNamespace(topic=topic, partition=0, offset=offset, value=value)

    enriched, dead = settings.topic_enriched, settings.topic_deadletter
    batch = [message(enriched, b"not json", 0), message(enriched, None, 1), message(enriched, b'{"id": 3}', 2),
             message(enriched, orjson.dumps(record("ok", t_ms=now_ms())), 3), message(dead, b"{}", 0)]
    hub.update(lambda state: follower._take(state, batch))
    snap = orjson.loads(hub.snapshot()[1])
    assert [a["id"] for a in snap["articles"]] == ["ok"] and snap["figures"]["dead_total"] == 1
    assert hub.state.skipped_total == 1  # the JSON and tombstone errors are refused before the state sees them

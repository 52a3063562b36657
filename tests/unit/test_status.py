"""`newsstream status` arithmetic: rates from two scrapes, sums over processes, quantiles."""

from __future__ import annotations

import socket
import threading

from streams.status import Endpoint, by_label, difference, fetch, merged, parse, quantile, top, total

FIRST = """
# TYPE newsstream_articles_enriched_total counter
newsstream_articles_enriched_total 10.0
# TYPE newsstream_articles_deadlettered_total counter
newsstream_articles_deadlettered_total{code="invalid_json"} 1.0
newsstream_articles_deadlettered_total{code="too_large"} 0.0
# TYPE newsstream_country_tags_total counter
newsstream_country_tags_total{country="IR"} 5.0
newsstream_country_tags_total{country="RU"} 2.0
"""
SECOND = """
# TYPE newsstream_articles_enriched_total counter
newsstream_articles_enriched_total 30.0
# TYPE newsstream_articles_deadlettered_total counter
newsstream_articles_deadlettered_total{code="invalid_json"} 1.0
newsstream_articles_deadlettered_total{code="too_large"} 3.0
# TYPE newsstream_country_tags_total counter
newsstream_country_tags_total{country="IR"} 6.0
newsstream_country_tags_total{country="RU"} 9.0
# TYPE newsstream_end_to_end_latency_seconds histogram
newsstream_end_to_end_latency_seconds_bucket{le="0.5"} 50.0
newsstream_end_to_end_latency_seconds_bucket{le="1.0"} 95.0
newsstream_end_to_end_latency_seconds_bucket{le="2.0"} 100.0
newsstream_end_to_end_latency_seconds_bucket{le="+Inf"} 100.0
newsstream_end_to_end_latency_seconds_count 100.0
newsstream_end_to_end_latency_seconds_sum 60.0
"""


def test_rates_and_top_lists_come_from_what_changed():
    delta = difference(parse(SECOND), parse(FIRST))
    assert total(delta, "newsstream_articles_enriched_total") == 20
    assert top(by_label(delta, "newsstream_articles_deadlettered_total", "code"), 5) == [("too_large", 3.0)]
    assert top(by_label(delta, "newsstream_country_tags_total", "country"), 5) == [("RU", 7.0), ("IR", 1.0)]


def test_processes_add_up():
    both = merged([Endpoint("a", samples=parse(FIRST)), Endpoint("b", samples=parse(SECOND))])
    assert total(both, "newsstream_articles_enriched_total") == 40


def test_quantiles_from_buckets():
    samples = parse(SECOND)
    assert quantile(samples, "newsstream_end_to_end_latency_seconds", 0.5) == 0.5
    assert quantile(samples, "newsstream_end_to_end_latency_seconds", 0.95) == 1.0
    assert quantile(samples, "newsstream_end_to_end_latency_seconds", 0.99) == 2.0
    assert quantile(parse(FIRST), "newsstream_end_to_end_latency_seconds", 0.5) is None


def serve_once(answer: bytes | None) -> int:
    """A local port whose one connection gets ``answer``, or its own request back (None)."""
    server = socket.create_server(("127.0.0.1", 0))

    def run():
        with server, server.accept()[0] as conn:
            request = conn.recv(65536)
            conn.sendall(request if answer is None else answer)

    threading.Thread(target=run, daemon=True).start()
    return server.getsockname()[1]


def test_fetch_returns_the_status_and_body_of_an_answer():
    port = serve_once(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert fetch(f"http://127.0.0.1:{port}/readyz", timeout=5) == (200, b"ok")
    port = serve_once(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 9\r\n\r\nnot ready")
    assert fetch(f"http://127.0.0.1:{port}/readyz", timeout=5) == (503, b"not ready")


def test_fetch_returns_none_when_nothing_answers_or_the_answer_is_not_http():
    # a client connected to itself reads its own request back: "GET /readyz HTTP/1.1"
    assert fetch(f"http://127.0.0.1:{serve_once(None)}/readyz", timeout=5) is None
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    assert fetch(f"http://127.0.0.1:{port}/readyz", timeout=5) is None

"""The metrics endpoint: /metrics, and health that reflects the worker's state."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from streams.metrics import Health, MetricsServer


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def served():
    health = Health(stale_after=0.5)
    server = MetricsServer(health, host="127.0.0.1", port=0).start()
    yield health, server.port
    server.stop()


def test_metrics_are_served(served):
    _, port = served
    status, text = get(port, "/metrics")
    assert status == 200
    assert "newsstream_articles_consumed_total" in text
    assert get(port, "/nope")[0] == 404


def test_ready_only_when_model_loaded_and_group_joined(served):
    health, port = served
    health.beat()
    assert get(port, "/healthz")[0] == 200
    assert get(port, "/readyz")[0] == 503
    health.model_loaded = True
    health.assigned = True
    assert get(port, "/readyz")[0] == 200


def test_not_alive_when_the_event_loop_stops_ticking(served):
    import time

    health, port = served
    health.beat()
    time.sleep(0.6)
    assert get(port, "/healthz")[0] == 503

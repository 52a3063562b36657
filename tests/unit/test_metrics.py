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


def test_articles_are_counted_per_language_and_pipeline():
    from streams import metrics
    from streams.core.outcomes import BatchReport, Outcome

    def count(language, pipeline):
        return metrics.ARTICLES_BY_LANGUAGE.labels(language, pipeline)._value.get()

    before = count("fr", "ner-fr"), count("und", "country-names")
    records = [{"entities": [], "countries": [], "analysis": {"language": "fr", "pipeline": "ner-fr"}},
               {"entities": [], "countries": [], "analysis": {"language": "zh-Hant", "pipeline": "country-names"}},
               {"entities": [], "countries": []}]  # NLP off: no analysis, not counted
    metrics.record_batch(BatchReport(outcomes=[Outcome(key="k", record=r) for r in records], seconds={}))
    assert (count("fr", "ner-fr"), count("und", "country-names")) == (before[0] + 1, before[1] + 1)


def test_the_ner_cache_is_counted_per_result_and_its_size_shown():
    from streams import metrics
    from streams.core.outcomes import BatchReport

    metrics.init_labels()
    hits, misses = (metrics.NER_CACHE_PARAGRAPHS.labels(r)._value.get() for r in ("hit", "miss"))
    metrics.record_batch(BatchReport(outcomes=[], ner_cache={"hit": 7, "miss": 2, "bytes": 4_096}))
    assert metrics.NER_CACHE_PARAGRAPHS.labels("hit")._value.get() == hits + 7
    assert metrics.NER_CACHE_PARAGRAPHS.labels("miss")._value.get() == misses + 2
    assert metrics.NER_CACHE_BYTES._value.get() == 4_096
    metrics.record_batch(BatchReport(outcomes=[]))  # NLP off: no cache, nothing counted
    assert metrics.NER_CACHE_PARAGRAPHS.labels("hit")._value.get() == hits + 7

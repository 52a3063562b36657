"""A real Prometheus, configured from deploy/prometheus/prometheus.yml, scrapes a real worker.

The scrape config is the shipped one with the targets replaced by the test worker's metrics
port and a 1 s scrape/evaluation interval; the shipped rule files are kept, so the recording
rules are evaluated by Prometheus itself.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import orjson
import pytest

from streams import kafka_io
from streams.processes import free_port, start_process, stop_process
from streams.topics import ensure_topics
from tests.conftest import read_topic
from tests.deploy import JOB_NAME, PROMETHEUS_CONFIG, require_tool, require_yaml

pytestmark = pytest.mark.integration

ARTICLES = 20


def produce(settings, values: list[bytes]) -> None:
    ensure_topics(settings)
    producer = kafka_io.producer(settings)
    for value in values:
        producer.send(settings.topic_raw, value=value)
    producer.flush()
    producer.close()


def derived_config(worker_port: int) -> dict:
    """The shipped config, pointed at one worker, scraping and evaluating every second."""
    yaml = require_yaml()
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config.setdefault("global", {}).update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == JOB_NAME]
    job.pop("file_sd_configs", None)
    job.update(scrape_interval="1s", scrape_timeout="1s", static_configs=[{"targets": [f"127.0.0.1:{worker_port}"]}])
    # relative rule_files are relative to the config's directory: keep them pointing at the shipped rules
    config["rule_files"] = [str(PROMETHEUS_CONFIG.parent / pattern) for pattern in config.get("rule_files", [])]
    config.pop("alerting", None)
    return config


class Prometheus:
    def __init__(self, binary: str, config: dict, tmp_path):
        self.port = free_port()
        self.config_path = tmp_path / "prometheus.yml"
        self.config_path.write_text(json.dumps(config, indent=2))  # JSON is YAML
        self.log_path = tmp_path / "prometheus.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = start_process(
            [
                binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--log.level=warn",
            ],
            output=self._log,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def api(self, path: str, **params: str):
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=5) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("/api/v1/query", query=expr)["result"]

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"prometheus exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.HTTPError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"prometheus not ready in {timeout} s:\n{self.log()}")

    def wait_for(self, expr: str, timeout: float = 60.0) -> list[dict]:
        """Poll an instant query until it returns at least one series."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        raise AssertionError(f"no result for {expr} in {timeout} s; prometheus log:\n{self.log()}")

    def stop(self, timeout: float = 20.0) -> None:
        stop_process(self.process, timeout, name="prometheus")
        self._log.close()


@pytest.fixture
def prometheus_binary() -> str:
    require_yaml()
    return require_tool("prometheus")


def test_prometheus_scrapes_the_worker_and_evaluates_the_rules(prometheus_binary, settings, start_worker, tmp_path):
    worker = start_worker()
    prometheus = Prometheus(prometheus_binary, derived_config(worker.metrics_port), tmp_path)
    try:
        prometheus.wait_ready()
        # scraped before any article arrives, so the counters' increase is seen by rate()
        up = prometheus.wait_for(f'up{{job="{JOB_NAME}"}} == 1', timeout=30)
        assert up[0]["metric"]["instance"] == f"127.0.0.1:{worker.metrics_port}"
        prometheus.wait_for(f'newsstream_articles_enriched_total{{job="{JOB_NAME}"}}', timeout=30)

        values = [
            orjson.dumps({"id": f"p{i}", "title": f"Talks in Paris number {i}", "body": "Leaders met in Berlin."})
            for i in range(ARTICLES)
        ]
        produce(settings, values)
        assert len(read_topic(settings, settings.topic_enriched, ARTICLES)) == ARTICLES

        rate = prometheus.wait_for(f'rate(newsstream_articles_enriched_total{{job="{JOB_NAME}"}}[15s]) > 0', timeout=30)
        assert float(rate[0]["value"][1]) > 0
        recorded = prometheus.wait_for(f'job:newsstream_articles_enriched:rate1m{{job="{JOB_NAME}"}} > 0', timeout=30)
        assert recorded[0]["metric"] == {"__name__": "job:newsstream_articles_enriched:rate1m", "job": JOB_NAME}

        lag = prometheus.wait_for(f'newsstream_consumer_lag_records{{job="{JOB_NAME}"}}', timeout=60)
        assert {series["metric"]["topic"] for series in lag} == {settings.topic_raw}
        assert {series["metric"]["partition"] for series in lag} == {str(p) for p in range(settings.topic_partitions)}
        prometheus.wait_for(f'job:newsstream_consumer_lag_records:sum{{job="{JOB_NAME}"}}', timeout=30)

        # every shipped rule loaded and evaluated without error; the worker is up, so no alert fires
        groups = prometheus.api("/api/v1/rules")["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        assert {r["name"] for r in rules if r["type"] == "alerting"} >= {"NewsstreamWorkerDown", "NewsstreamLagGrowing"}
        assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok" and r.get("lastError")] == []
        assert [r["name"] for r in rules if r["type"] == "alerting" and r["state"] == "firing"] == []
    finally:
        prometheus.stop()

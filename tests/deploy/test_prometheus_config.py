"""The Prometheus config, rules and rule unit tests pass promtool; the Grafana files are consistent.

The dashboard and the rules may only query metrics that the worker exports (streams/metrics.py),
Prometheus's own ``up``, the client library's ``process_*``/``python_*`` metrics, or recording
rules defined in the rules file: a renamed metric breaks this test, not a dashboard at 3 a.m.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile

import prometheus_client
import pytest

from streams import metrics
from streams.config import Settings
from tests.deploy import (
    DASHBOARD_FILE,
    GRAFANA_DIR,
    JOB_NAME,
    PROMETHEUS_CONFIG,
    PROMETHEUS_DIR,
    RULES_FILE,
    RULES_TEST_FILE,
    require_tool,
    require_yaml,
)

ALERTS = {
    "NewsstreamWorkerDown",
    "NewsstreamNoThroughput",
    "NewsstreamLagGrowing",
    "NewsstreamDeadLetterRatioHigh",
    "NewsstreamLatencyP99High",
    "NewsstreamTableRecoveryStalled",
    "NewsstreamTargetsMissing",
    "NewsstreamRestartLoop",
}

# ---------------------------------------------------------------------------------------
# promtool


def promtool(*args: str, cwd) -> str:
    result = subprocess.run([require_tool("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, f"promtool {' '.join(args)} failed:\n{output}"
    assert "SUCCESS" in output, output
    return output


def test_promtool_check_config():
    # from the config's directory, so relative rule_files resolve the same way Prometheus does
    output = promtool("check", "config", PROMETHEUS_CONFIG.name, cwd=PROMETHEUS_DIR)
    assert RULES_FILE.name in output  # the rule_files glob finds the rules file


def test_promtool_check_rules():
    promtool("check", "rules", str(RULES_FILE.relative_to(PROMETHEUS_DIR)), cwd=PROMETHEUS_DIR)


def test_promtool_test_rules():
    promtool("test", "rules", RULES_TEST_FILE.name, cwd=RULES_TEST_FILE.parent)


# ---------------------------------------------------------------------------------------
# metric names


def exported_metric_names() -> set[str]:
    """Every sample name the worker's collectors can expose."""
    suffixes = {
        "counter": ("_total", "_created"),
        "gauge": ("",),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("", "_count", "_sum", "_created"),
        "info": ("_info",),
    }
    names = set()
    for collector in vars(metrics).values():
        if isinstance(collector, prometheus_client.metrics.MetricWrapperBase):
            for family in collector.describe():
                names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def recording_rule_names() -> set[str]:
    return set(re.findall(r"^\s*-?\s*record:\s*([A-Za-z_:][\w:]*)\s*$", RULES_FILE.read_text(), flags=re.MULTILINE))


def allowed(name: str) -> bool:
    return (
        name in exported_metric_names()
        or name in recording_rule_names()
        or name == "up"
        or name.startswith(("process_", "python_"))
    )


_KEYWORDS = {"and", "or", "unless", "offset", "bool", "inf", "nan", "atan2", "start", "end"}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (Grafana variables allowed)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"'(?:\\.|[^'\\])*'", "''", text)
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\{[^}]*\}|\$\w+", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", text):
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group().lower() not in _KEYWORDS:
            names.add(match.group())
    return names


def test_promql_metric_names_parser():
    expr = (
        'histogram_quantile(0.99, sum by (job, le) (rate(newsstream_end_to_end_latency_seconds_bucket'
        '{job="$job", instance=~"a|b"}[$__rate_interval]))) > 1e3 and on (job) up offset 5m'
        " / topk(10, sum without (code) (x:y:z))"
    )
    assert promql_metric_names(expr) == {"newsstream_end_to_end_latency_seconds_bucket", "up", "x:y:z"}


def test_names_the_worker_exports_are_known():
    names = exported_metric_names()
    assert {
        "newsstream_articles_consumed_total",
        "newsstream_articles_enriched_total",
        "newsstream_articles_deadlettered_total",
        "newsstream_end_to_end_latency_seconds_bucket",
        "newsstream_batch_stage_duration_seconds_bucket",
        "newsstream_records_in_flight",
        "newsstream_country_tags_total",
        "newsstream_entities_total",
        "newsstream_build_info",
        "newsstream_consumer_lag_records",
    } <= names


# ---------------------------------------------------------------------------------------
# Grafana


def dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


def panels(board: dict) -> list[dict]:
    found = []
    for panel in board["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # collapsed rows keep theirs inside
    return found


def dashboard_queries(board: dict) -> list[tuple[str, str]]:
    queries = []
    for panel in panels(board):
        for target in panel.get("targets", []):
            queries.append((panel["title"], target["expr"]))
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            label_values = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", query)
            queries.append((f"${variable['name']}", label_values.group(1) if label_values else query))
    return queries


def test_dashboard_is_well_formed():
    board = dashboard()
    assert board["uid"] == "newsstream"
    assert board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(board):
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs)), panel["title"]
        for source in [panel["datasource"]] + [t["datasource"] for t in panel["targets"]]:
            assert source == {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, panel["title"]


def test_dashboard_queries_only_known_metrics():
    unknown = {
        (where, name)
        for where, expr in dashboard_queries(dashboard())
        for name in promql_metric_names(expr)
        if not allowed(name)
    }
    assert not unknown, f"dashboard queries metrics that nothing exports: {sorted(unknown)}"


def test_dashboard_shows_every_worker_metric():
    used = {name for _, expr in dashboard_queries(dashboard()) for name in promql_metric_names(expr)}
    for name in (
        "newsstream_articles_consumed_total",
        "newsstream_articles_enriched_total",
        "newsstream_articles_deadlettered_total",
        "newsstream_end_to_end_latency_seconds_bucket",
        "newsstream_batch_stage_duration_seconds_bucket",
        "newsstream_batch_size_records_count",
        "newsstream_records_in_flight",
        "newsstream_consumer_lag_records",
        "newsstream_country_tags_total",
        "newsstream_entities_total",
        "newsstream_build_info",
        "up",
    ):
        assert name in used, f"no panel shows {name}"


def test_grafana_provisioning_files_parse():
    yaml = require_yaml()
    datasources = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text())
    assert datasources["apiVersion"] == 1
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus" and source["uid"] and source["url"].startswith("http")
    assert source.get("isDefault") is True  # the dashboard's DS_PROMETHEUS variable picks the default

    providers = yaml.safe_load((GRAFANA_DIR / "provisioning" / "dashboards" / "newsstream.yml").read_text())
    assert providers["apiVersion"] == 1
    (provider,) = providers["providers"]
    assert provider["type"] == "file" and provider["options"]["path"]


# ---------------------------------------------------------------------------------------
# the Prometheus files themselves


def test_scrape_config_and_rules_agree():
    yaml = require_yaml()
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == JOB_NAME]
    targets = [t for static in job["static_configs"] for t in static["targets"]]
    assert "127.0.0.1:9464" in targets  # NEWSSTREAM_METRICS_HOST:NEWSSTREAM_METRICS_PORT defaults
    (discovered,) = [path for sd in job["file_sd_configs"] for path in sd["files"]]
    assert discovered == "/tmp/newsstream/prometheus-targets.json"
    if tempfile.gettempdir() == "/tmp":  # what the worker writes by default
        assert Settings.model_construct().prometheus_targets_file == discovered
    matched = [p for pattern in config["rule_files"] for p in PROMETHEUS_CONFIG.parent.glob(pattern)]
    assert RULES_FILE in matched

    rules = [rule for group in yaml.safe_load(RULES_FILE.read_text())["groups"] for rule in group["rules"]]
    assert {r["alert"] for r in rules if "alert" in r} == ALERTS
    assert {r["record"] for r in rules if "record" in r} == recording_rule_names()
    for rule in rules:
        unknown = {name for name in promql_metric_names(rule["expr"]) if not allowed(name)}
        assert not unknown, f"{rule.get('alert') or rule['record']} uses unknown metrics {unknown}"
        if "alert" in rule:
            assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
            assert {"summary", "description", "runbook"} <= set(rule["annotations"]), rule["alert"]
    assert 'job="newsstream"' in next(r["expr"] for r in rules if r.get("alert") == "NewsstreamWorkerDown")


@pytest.mark.parametrize("alert", sorted(ALERTS))
def test_every_alert_is_unit_tested_firing_and_not_firing(alert):
    yaml = require_yaml()
    tests = yaml.safe_load(RULES_TEST_FILE.read_text())["tests"]
    cases = [case for test in tests for case in test.get("alert_rule_test", []) if case["alertname"] == alert]
    assert any(case.get("exp_alerts") for case in cases), f"no test shows {alert} firing"
    assert any(not case.get("exp_alerts") for case in cases), f"no test shows {alert} not firing"

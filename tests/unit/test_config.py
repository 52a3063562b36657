"""Settings from NEWSSTREAM_* variables."""

from __future__ import annotations

import pytest

from streams.config import load_settings


def test_defaults(monkeypatch):
    monkeypatch.delenv("NEWSSTREAM_BROKER", raising=False)
    settings = load_settings()
    assert settings.broker is None and settings.bootstrap_servers == []
    assert settings.topic_raw == "articles.raw" and settings.topic_partitions == 8
    assert settings.metrics_host == "127.0.0.1"


def test_several_brokers_and_schemes(monkeypatch):
    monkeypatch.setenv("NEWSSTREAM_BROKER", "kafka://a:9092, b:9093,kafka://c:9094")
    assert load_settings().bootstrap_servers == ["a:9092", "b:9093", "c:9094"]


def test_blank_broker_means_embedded(monkeypatch):
    monkeypatch.setenv("NEWSSTREAM_BROKER", "  ")
    assert load_settings().broker is None


def test_sasl_options_reach_kafka_clients_unchanged(monkeypatch):
    monkeypatch.setenv("NEWSSTREAM_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("NEWSSTREAM_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("NEWSSTREAM_SASL_USERNAME", "svc")
    monkeypatch.setenv("NEWSSTREAM_SASL_PASSWORD", "s3cret")
    settings = load_settings()
    assert "s3cret" not in repr(settings)
    assert settings.kafka_client_options() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "s3cret",
    }


def test_readme_documents_exactly_the_settings_that_exist():
    import re

    from streams.config import Settings
    from tests.conftest import ROOT

    documented = set(re.findall(r"NEWSSTREAM_([A-Z0-9_]+)", (ROOT / "README.md").read_text()))
    fields = {name.upper() for name in Settings.model_fields}
    assert documented - fields == set(), "README names variables the worker does not read"
    assert fields - documented == set(), "settings missing from the README's configuration table"


def test_every_wrong_setting_is_named_by_its_variable_in_one_line(monkeypatch):
    from pydantic import ValidationError

    from streams.config import describe_errors

    monkeypatch.setenv("NEWSSTREAM_BATCH_SIZE", "abc")
    monkeypatch.setenv("NEWSSTREAM_LOG_LEVEL", "verbose")
    monkeypatch.setenv("NEWSSTREAM_SASL_PASSWORD", "s3cret-value")
    with pytest.raises(ValidationError) as caught:
        load_settings(metrics_port=70000)
    line = describe_errors(caught.value, given={"metrics_port"})
    assert "\n" not in line and "s3cret" not in line and "abc" not in line
    assert "NEWSSTREAM_BATCH_SIZE: must be a whole number" in line
    assert "NEWSSTREAM_LOG_LEVEL: must be one of debug, info, warning, error" in line
    assert "--metrics-port (or NEWSSTREAM_METRICS_PORT)" in line


def test_the_log_level_is_case_insensitive_and_kept_lower_case():

    assert load_settings(log_level="WARNING").log_level == "warning"

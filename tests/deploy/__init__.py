"""Tests of the monitoring files in deploy/ (Prometheus config, rules, Grafana dashboard).

They need tools that are not Python packages of the project: ``promtool`` and ``prometheus``
(Debian package ``prometheus``) and PyYAML. Where one is missing the test is skipped with the
reason printed, except under CI (``CI`` set), where CI is expected to install it: there it fails.
"""

from __future__ import annotations

import os
import shutil
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
PROMETHEUS_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
RULES_FILE = PROMETHEUS_DIR / "rules" / "newsstream.rules.yml"
RULES_TEST_FILE = PROMETHEUS_DIR / "tests" / "newsstream.rules.test.yml"
GRAFANA_DIR = ROOT / "deploy" / "grafana"
DASHBOARD_FILE = GRAFANA_DIR / "dashboards" / "newsstream.json"
JOB_NAME = "newsstream"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str):
    """Skip (printing why) on a developer's machine; fail under CI, which must provide it."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is an error: CI must install it)")
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` is not on PATH; install it with: apt-get install prometheus")
    assert path is not None
    return path


def require_yaml() -> types.ModuleType:
    try:
        import yaml
    except ImportError:
        missing("PyYAML is not installed; install it with: pip install pyyaml")
        raise  # not reached: missing() skips or fails
    return yaml

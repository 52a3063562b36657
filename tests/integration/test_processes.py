"""`newsstream worker --processes N`: N processes in one group, restarted when one dies."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import orjson
import pytest

from streams.processes import child_pids, spawn_worker
from tests.conftest import as_json, read_topic
from tests.integration.test_pipeline import produce

pytestmark = pytest.mark.integration


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_processes_share_the_group_and_a_dead_one_is_restarted(settings, tmp_path):
    supervisor = spawn_worker(settings, processes=2, log=tmp_path / "supervisor.log")
    try:
        wait_until(supervisor.ready, 120, "both processes ready")
        pids = supervisor.children()
        assert len(pids) == 2
        listed = json.loads(Path(settings.prometheus_targets_file).read_text())[0]["targets"]
        assert listed == [f"127.0.0.1:{port}" for port in supervisor.ports]  # Prometheus finds both
        assert supervisor.metric("newsstream_worker_restarts") == 0

        os.kill(pids[0], signal.SIGKILL)
        wait_until(lambda: len(set(supervisor.children()) - set(pids)) == 1, 30, "a replacement process")
        wait_until(supervisor.ready, 120, "the replacement ready")
        assert supervisor.metric("newsstream_worker_restarts") == 1  # the restart loop alert counts these

        articles = [orjson.dumps({"id": f"p{i}", "title": f"Rain in Lima number {i}"}) for i in range(40)]
        produce(settings, [(None, a) for a in articles])
        enriched = as_json(read_topic(settings, settings.topic_enriched, 40, timeout=120))
        assert sorted(r["id"] for r in enriched) == sorted(f"p{i}" for i in range(40))
        assert len({r["source_offset"]["partition"] for r in enriched}) > 1
    finally:
        code = supervisor.stop(40)
    assert code == 0, supervisor.log(3000)
    assert child_pids(supervisor.pid) == []

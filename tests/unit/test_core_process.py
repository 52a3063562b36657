"""The core in a child process: the same reports as in the worker's thread, and a child that dies
fails only the call it held and is started again."""

from __future__ import annotations

import os
import signal
import threading
import time

import orjson
import pytest

from streams.core.enrich import Enricher
from streams.core.outcomes import Incoming
from streams.core_process import CoreProcess, CoreProcessDied, CoreProcessError
from tests.conftest import SEED

OPTIONS = {"max_record_bytes": 1 << 20}


def items() -> list[Incoming]:
    seed = {"id": "seed", "title": "Seed", "body": SEED.read_text(encoding="utf-8")}
    return [Incoming(orjson.dumps(seed)), Incoming(b"not json"),
            Incoming(orjson.dumps({"id": "b", "title": "Talks in Paris", "body": "Macron met Scholz in Berlin."}))]


def comparable(report) -> list[dict]:
    return [{k: v for k, v in o.record.items() if k not in ("enriched_at", "failed_at")} for o in report.outcomes]


@pytest.fixture(scope="module")
def core():
    process = CoreProcess(OPTIONS)
    yield process
    process.close()


def test_the_child_gives_what_the_enricher_gives_in_this_process(core):
    here = Enricher(**OPTIONS)
    assert core.pipeline_info == here.pipeline_info and core.pid != os.getpid()
    report = core.enrich_batch(items())
    assert comparable(report) == comparable(here.enrich_batch(items()))
    assert [o.ok for o in report.outcomes] == [True, False, True]
    assert set(report.seconds) >= {"clean", "ner", "tag", "total"} and report.ner_cache["miss"] > 0


def test_a_child_killed_during_a_call_fails_that_call_and_the_next_call_starts_a_new_one(core):
    before = core.starts
    seed = SEED.read_text(encoding="utf-8")
    many = [Incoming(orjson.dumps({"id": f"s{i}", "title": "Seed", "body": seed.replace("\n\n", f"\n\n{i}. ")}))
            for i in range(60)]  # none of them cached: seconds of work, killed in the middle
    killer = threading.Timer(0.5, os.kill, (core.pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(CoreProcessDied, match="exit code -9"):
        core.enrich_batch(many)
    killer.join()
    assert core._process is None  # not started again inside the failing call: the worker exits
    assert core.enrich_batch(items()).outcomes[0].ok and core.starts == before + 1


def test_a_child_found_dead_before_a_call_is_replaced_first(core):
    assert core.enrich_batch(items()).outcomes[0].ok
    os.kill(core.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while core._process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert core.enrich_batch(items()).outcomes[2].ok


def test_a_model_that_will_not_load_fails_the_start_with_its_reason():
    with pytest.raises(CoreProcessError, match="no_such_model_package"):
        CoreProcess({"model": "no_such_model_package"})


def test_closing_ends_the_child_and_later_calls_fail():
    process = CoreProcess({"nlp_enabled": False})
    pid = process.pid
    process.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(CoreProcessDied, match="closed"):
        process.enrich_batch(items())


def test_the_child_ignores_signals_sent_to_the_whole_group():
    process = CoreProcess({"nlp_enabled": False})
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            os.kill(process.pid, signum)
        time.sleep(0.3)
        assert process._process.is_alive() and process.enrich_batch(items()).outcomes[2].ok
    finally:
        process.close()

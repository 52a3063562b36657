"""The core in two child processes (one reads, one tags): the same reports as in the worker's
thread, and a child that dies fails only the call it held and is started again."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import orjson
import pytest

from streams.core.enrich import Enricher
from streams.core.outcomes import Incoming
from streams.core_process import CoreProcess, CoreProcessDied, CoreProcessError, send_answer
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
    process = CoreProcess(OPTIONS, split=True)
    yield process
    process.close()


def seeds(count: int) -> list[Incoming]:
    seed = SEED.read_text(encoding="utf-8")
    return [Incoming(orjson.dumps({"id": f"s{i}", "title": "Seed", "body": seed.replace("\n\n", f"\n\n{i}. ")}))
            for i in range(count)]  # none of them cached: seconds of work


def kill_and_wait(core: CoreProcess, stage: int) -> None:
    """SIGKILL one child and wait until its process object sees it ended."""
    child = core._children[stage]
    os.kill(child.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while child._process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_children_give_what_the_enricher_gives_in_this_process(core):
    here = Enricher(**OPTIONS)
    assert core.pipeline_info == here.pipeline_info and len(set(core.pids) - {os.getpid()}) == 2
    report = core.enrich_batch(items())
    assert comparable(report) == comparable(here.enrich_batch(items()))
    assert [o.ok for o in report.outcomes] == [True, False, True]
    assert set(report.seconds) >= {"clean", "ner", "tag", "total"} and report.ner_cache["miss"] > 0


def test_one_child_doing_both_stages_gives_the_same():
    process = CoreProcess(OPTIONS)
    try:
        assert len(process.pids) == 1
        assert comparable(process.enrich_batch(items())) == comparable(Enricher(**OPTIONS).enrich_batch(items()))
    finally:
        process.close()


def test_two_threads_at_once_each_get_their_own_batch_back(core):
    batches = [seeds(6), items()]
    results: list = [None, None]

    def call(index: int) -> None:
        results[index] = core.enrich_batch(batches[index])

    threads = [threading.Thread(target=call, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [o.record["id"] for o in results[0].outcomes] == [f"s{i}" for i in range(6)]
    assert [o.ok for o in results[1].outcomes] == [True, False, True]


def test_a_child_killed_during_a_call_fails_that_call_and_the_next_call_starts_a_new_one(core):
    before = core.starts
    killer = threading.Timer(0.5, os.kill, (core.pid, signal.SIGKILL))  # the reading child, in spaCy
    killer.start()
    with pytest.raises(CoreProcessDied, match=r"\(read\) ended \(exit code -9\)"):
        core.enrich_batch(seeds(60))
    killer.join()
    assert core.pids[0] is None  # not started again inside the failing call: the worker exits
    assert core.enrich_batch(items()).outcomes[0].ok and core.starts == before + 1


def test_the_tagging_child_killed_while_it_tags_fails_that_call(core):
    reading = Enricher(**OPTIONS, stage="read").read_batch(seeds(1) * 300)  # 300 copies: NER once
    tagger = core._children[1]
    killer = threading.Timer(0.5, os.kill, (tagger.pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(CoreProcessDied, match=r"\(tag\) ended \(exit code -9\)"):
        tagger.call(reading, 300)
    killer.join()
    assert core.pids[1] is None and core.enrich_batch(items()).outcomes[2].ok


@pytest.mark.parametrize("stage", [0, 1], ids=["reading", "tagging"])
def test_a_child_found_dead_before_a_call_is_replaced_first(core, stage):
    assert core.enrich_batch(items()).outcomes[0].ok
    before, dead = core.starts, core.pids[stage]
    kill_and_wait(core, stage)
    assert core.enrich_batch(items()).outcomes[2].ok
    assert core.starts == before + 1 and core.pids[stage] != dead


def test_a_model_that_will_not_load_fails_the_start_with_its_reason():
    with pytest.raises(CoreProcessError, match="no_such_model_package"):
        CoreProcess({"model": "no_such_model_package"})


def test_closing_ends_the_children_and_later_calls_fail():
    process = CoreProcess({"nlp_enabled": False}, split=True)
    pids = process.pids
    process.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(CoreProcessDied, match="closed"):
        process.enrich_batch(items())


def test_the_children_ignore_signals_sent_to_the_whole_group():
    process = CoreProcess({"nlp_enabled": False}, split=True)
    try:
        pids = process.pids
        for pid in pids:
            for signum in (signal.SIGINT, signal.SIGTERM):
                os.kill(pid, signum)
        time.sleep(0.3)
        assert process.enrich_batch(items()).outcomes[2].ok and process.pids == pids
    finally:
        process.close()


def test_an_answer_that_will_not_pickle_comes_back_as_an_error_and_the_child_lives_on():
    ours, theirs = multiprocessing.Pipe()
    nested: list = []
    for _ in range(5000):  # deeper than the pickler goes
        nested = [nested]
    send_answer(theirs, ("report", nested))
    status, reason = ours.recv()
    assert status == "error" and "could not be pickled" in reason and "RecursionError" in reason
    send_answer(theirs, ("report", {"fine": 1}))
    assert ours.recv() == ("report", {"fine": 1})

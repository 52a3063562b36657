"""Trends against the real broker: exact final counts after kill -9s and a rebalance, and the HTTP view.

Every test ends with the same check: the final records of every window and kind equal counts
computed here, independently, from the enriched topic (each article id once per window).
Windows are 10 and 20 seconds, so three of them pass in half a minute.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from urllib.parse import urlencode

import orjson
import pytest

from streams import kafka_io
from streams.config import Settings
from streams.topics import ensure_topics
from tests.conftest import isolated_settings, worker_process
from tests.integration.test_reliability import article, drain
from tests.schema_check import assert_valid

pytestmark = pytest.mark.integration

SIZES = (10, 20)
GRACE = 60.0  # longer than the kill -9'ed workers' replacements take to be back (14 s each; 20 s on a loaded machine)


def trends_settings(broker, tmp_path, grace: float = GRACE) -> Settings:
    return isolated_settings(broker.url, tmp_path / "data", trends_windows="10s,20s", trends_grace=grace,
                             trends_top=10_000, trends_update_interval=1.0)


def parse(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Producer(threading.Thread):
    """Articles at a steady rate; a third carry a chosen published_at up to 8 s before they are sent."""

    def __init__(self, settings: Settings, per_second: float, seconds: float):
        super().__init__(daemon=True)
        self.settings, self.per_second, self.seconds = settings, per_second, seconds
        self.count, self.error = 0, None

    def run(self) -> None:
        try:
            rng = random.Random(1)
            producer = kafka_io.producer(self.settings)
            ends = time.monotonic() + self.seconds
            while time.monotonic() < ends:
                for _ in range(10):
                    article_id = f"trend-{self.count:05d}"
                    value = orjson.loads(article(article_id, self.count, marker=rng.choice(["", "Paris, France.",
                                                                                           "Berlin and Tehran."])))
                    if self.count % 3 == 0:
                        moment = datetime.fromtimestamp(time.time() - rng.uniform(0, 8), UTC)
                        value["published_at"] = moment.isoformat().replace("+00:00", "Z")
                    now_ms = int(time.time() * 1000)
                    producer.send(self.settings.topic_raw, key=article_id.encode(), value=orjson.dumps(value),
                                  timestamp_ms=now_ms)
                    self.count += 1
                producer.flush()
                time.sleep(10 / self.per_second)
            producer.close()
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.error = exc

    def finish(self) -> int:
        self.join(60)
        assert self.error is None, f"the producer failed: {self.error!r}"
        return self.count


def expected_from_enriched(settings: Settings) -> dict:
    """(start s, size, kind) -> {"articles": n, "top": {key: count}}, from the enriched topic alone."""
    records, _ = drain(settings, settings.topic_enriched)
    members: dict = defaultdict(dict)
    for record in map(orjson.loads, (r.value for r in records)):
        if settings.trends_time == "published" and record.get("published_at"):
            t = parse(record["published_at"])
        else:
            t = record["source_offset"]["timestamp_ms"] / 1000
        for size in SIZES:
            members[(int(t // size * size), size)][record["id"]] = record  # a replay overwrites
    expected = {}
    for (start, size), articles in members.items():
        counts = {kind: Counter() for kind in ("country", "focus_country", "place", "entity", "country_pair")}
        for record in articles.values():
            codes = sorted({c["code"] for c in record["countries"]})
            counts["country"].update(codes)
            # places by GeoNames id where the record has them, else its country tags
            places = {str(p["geonameid"]) for p in record.get("places") or () if p.get("geonameid")}
            counts["place"].update(places if record.get("places") else codes)
            counts["focus_country"].update({c["code"] for c in record["countries"] if c["focus"]})
            counts["entity"].update({(" ".join(e["text"].split()), e["label"]) for e in record["entities"]})
            counts["country_pair"].update(f"{a}-{b}" for a, b in combinations(codes, 2))
        for kind, counter in counts.items():
            expected[(start, size, kind)] = {"articles": len(articles), "top": dict(counter)}
    return expected


def final_records(settings: Settings) -> tuple[dict, list[dict]]:
    """The last final record of each (start, size, kind), and every record of the trends topic."""
    records, _ = drain(settings, settings.topic_trends)
    values = [orjson.loads(r.value) for r in records]
    for record, value in zip(records, values, strict=True):  # the CloudEvents headers, as on every output
        headers = {name: data.decode() for name, data in record.headers}
        assert headers["ce_type"] == "newsstream.trends.window.v1" and headers["ce_specversion"] == "1.0"
        assert headers["ce_subject"] == value["kind"] and headers["content-type"] == "application/json"
        assert headers["schema-id"].endswith("trends.v1.json") and headers["ce_source"].startswith(settings.app_id)
    finals = {}
    for value in values:
        if value["final"]:
            key = (int(parse(value["window"]["start"])), value["window"]["size"], value["kind"])
            top = {(row["key"], row["label"]) if value["kind"] == "entity" else row["key"]: row["count"]
                   for row in value["top"]}
            finals[key] = {"articles": value["articles"], "top": top, "updated_at": parse(value["updated_at"])}
    return finals, values


def check_exact(settings: Settings, label: str, steady_since: float = 0.0) -> None:
    """Every window's final records equal the independent counts: difference 0, and none is final before
    its grace period ended. How long after it the finals came is printed (a figure: the 5 s target
    depends on the machine's load, so no timed assertion)."""
    expected = expected_from_enriched(settings)
    finals, values = final_records(settings)
    for value in values[:: max(1, len(values) // 50)]:
        assert_valid("trends", value)
    assert set(finals) == set(expected), f"{label}: windows {sorted(set(expected) ^ set(finals))[:6]} differ"
    wrong = [key for key in expected
             if {k: v for k, v in finals[key].items() if k != "updated_at"} != expected[key]]
    delays = [finals[(start, size, kind)]["updated_at"] - (start + size + settings.trends_grace)
              for (start, size, kind) in finals if start + size + settings.trends_grace >= steady_since]
    articles = sum(e["articles"] for (s, size, kind), e in expected.items() if size == SIZES[0] and kind == "country")
    print(f"\n{label}: {len(finals) // 5} windows, {articles} articles in the 10 s windows, windows with a "
          f"difference: {len(wrong)}; final records {min(delays):.1f}-{max(delays):.1f} s after grace ended; "
          f"{len(values)} trend records in all")
    assert not wrong, f"{label}: {wrong[:3]}: {[(finals[k], expected[k]) for k in wrong[:1]]}"
    assert min(delays) >= -1.0, "a window was final before its grace period ended"  # clocks: whole seconds


def assert_recovery_reads_the_whole_changelog(settings: Settings, app_id: str) -> None:
    """Faust recovers a table up to the end offset ListOffsets(latest) answers; the embedded broker answers
    the last record batch's base offset + 1, so each changelog partition must end in a one-record batch (the
    agent's seal) or a restart restores part of a window and publishes it as final."""
    from kafka import TopicPartition

    topic = f"{app_id}-trends-chunks-changelog"
    _, highwaters = drain(settings, topic)
    consumer = kafka_io.consumer(settings, [], from_beginning=True)
    try:
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in highwaters])
    finally:
        consumer.close()
    assert {tp.partition: end for tp, end in ends.items()} == highwaters, f"{topic}: ListOffsets vs fetched ends"


def wait_for_finals(settings: Settings, produced_until: float) -> None:
    """Until the last window of the last article has closed and a little more."""
    last_close = produced_until // SIZES[-1] * SIZES[-1] + SIZES[-1] + settings.trends_grace
    time.sleep(max(0.0, last_close - time.time()) + 8)


def test_counts_are_exact_after_kill_9_of_the_enrichment_and_of_the_trends_twice(broker, tmp_path):
    settings = trends_settings(broker, tmp_path).model_copy(update={"trends_time": "published"})
    ensure_topics(settings)
    trends_env = {"NEWSSTREAM_APP_ID": f"{settings.app_id}-trends", "NEWSSTREAM_ENRICH_ENABLED": "false"}
    enrich_env = {"NEWSSTREAM_TRENDS_ENABLED": "false"}
    logs = iter(range(100))
    enrich = worker_process(settings, tmp_path / f"w{next(logs)}.log", **enrich_env)
    counting = worker_process(settings, tmp_path / f"w{next(logs)}.log", **trends_env)
    processes = [enrich, counting]
    try:
        enrich.wait_ready()
        counting.wait_ready()
        stream = Producer(settings, per_second=40, seconds=40)
        stream.start()
        for _ in range(2):
            time.sleep(4)
            enrich.kill()
            enrich = worker_process(settings, tmp_path / f"w{next(logs)}.log", **enrich_env)
            time.sleep(2)
            counting.kill()
            counting = worker_process(settings, tmp_path / f"w{next(logs)}.log", **trends_env)
            processes += [enrich, counting]
            enrich.wait_ready()
            counting.wait_ready()
        steady_since = time.time()
        produced = stream.finish()
        wait_for_finals(settings, time.time())
        assert counting.metric("newsstream_trends_late_articles_total") == 0
        recovery = counting.metric("newsstream_trends_recovery_seconds")
    finally:
        for process in processes:
            process.kill()
    print(f"\nproduced {produced}; the last trends process rebuilt its counts {recovery:.1f} s after its start")
    check_exact(settings, "kill -9 x2 enrichment, x2 trends", steady_since)
    assert_recovery_reads_the_whole_changelog(settings, trends_env["NEWSSTREAM_APP_ID"])


def next_close(settings: Settings, since: float, after: float) -> float:
    """The first moment after ``after`` when a 10 s window ending after ``since`` closes (its end plus grace)."""
    end = max(since // SIZES[0] + 1, (after - settings.trends_grace) // SIZES[0] + 1) * SIZES[0]
    return end + settings.trends_grace


def test_counts_are_exact_when_a_second_process_joins_and_leaves(broker, tmp_path):
    # A rebalance pauses the counting 3-7 s here, on top of the enrichment's latency: with a grace of 12 s a
    # loaded machine made articles late (counted in the metric, not in the window), so 20 s. The second
    # process is told to leave 2 s before a window closes (its stop takes 1-2 s), so that the window closes
    # during the rebalance and its finals wait for the rebuild: their delay after the grace period is printed.
    settings = trends_settings(broker, tmp_path, grace=20.0)
    ensure_topics(settings)
    first = worker_process(settings, tmp_path / "first.log")
    second = None
    try:
        first.wait_ready()
        stream = Producer(settings, per_second=40, seconds=30)
        began = time.time()
        stream.start()
        time.sleep(5)
        second = worker_process(settings, tmp_path / "second.log").wait_ready()
        # it owns half of the partitions now; whether the window being filled is on one of them depends on
        # the window's key, so it may or may not count one: the counts must be exact either way
        closing = next_close(settings, since=began, after=time.time() + 5)
        time.sleep(max(0.0, closing - 2.0 - time.time()))
        counted = second.metric("newsstream_trends_windows_open")
        late = second.metric("newsstream_trends_late_articles_total")
        assert second.stop() == 0
        print(f"\nthe second process had {counted:.0f} windows open when it left")
        stream.finish()
        wait_for_finals(settings, time.time())
        late += first.metric("newsstream_trends_late_articles_total")
        print(f"late articles (both processes, all window sizes): {late:.0f}")
        assert late == 0, "articles came after their window closed: the pause outlasted the grace period"
        finals, _ = final_records(settings)
        start, size, kind = sorted(finals)[len(finals) // 2]
        at = datetime.fromtimestamp(start + size / 2, UTC).isoformat()
        status, text = first.get(f"/trends?window={size}s&kind={kind}&top=3&{urlencode({'at': at})}", timeout=10)
        answer = orjson.loads(text)
        assert status == 200 and answer["final"] and answer["articles"] == finals[(start, size, kind)]["articles"]
        assert len(answer["top"]) <= 3 and answer["window"]["size"] == size
        assert first.get("/trends?kind=nonsense")[0] == 400
    finally:
        first.kill()
        if second is not None:
            second.kill()
    check_exact(settings, "join and leave")
    finals, _ = final_records(settings)
    during = sorted({(start, size): round(v["updated_at"] - closing, 1) for (start, size, _), v in finals.items()
                     if start + size + settings.trends_grace == closing}.values())
    print(f"the window(s) closing 2 s after the second process was told to leave: finals {during} s after grace")
    assert during, "no final for the window that closed during the rebalance"


def test_a_recovery_whose_changelog_records_are_lost_is_completed_by_the_watch(broker, tmp_path):
    """The stall the join-and-leave test met about once in ten runs, forced (``fault_injection``): every recovery
    after the first loses the changelog records it fetches in its first 4 s. The watch seeks them again; the counts
    stay exact and no window is without its final."""
    # a grace of 40 s: the second process leaves while the first's recovery stalls, so two recoveries, each
    # stalled 5 s by the injection, pause the first for about 17 s, and its backlog of articles takes a few more
    # (with 20 s, articles of the windows that closed in that pause came late in 2 of 3 runs on 2026-12-07)
    settings = trends_settings(broker, tmp_path, grace=40.0)
    ensure_topics(settings)
    faults = {"PYTHONPATH": str(Path(__file__).parent / "fault_injection"), "LOSE_CHANGELOG_RECORDS": "1"}
    first = worker_process(settings, tmp_path / "first.log", **faults)
    second = None
    try:
        first.wait_ready()
        stream = Producer(settings, per_second=40, seconds=20)
        stream.start()
        time.sleep(8)
        second = worker_process(settings, tmp_path / "second.log").wait_ready()
        time.sleep(4)
        assert second.stop() == 0
        stream.finish()
        wait_for_finals(settings, time.time())
        reseeks = first.metric("newsstream_recovery_stalls_total", remedy="seek")
        rebalances = first.metric("newsstream_recovery_stalls_total", remedy="rebalance")
        late = first.metric("newsstream_trends_late_articles_total")
    finally:
        first.kill()
        if second is not None:
            second.kill()
    dropped = (tmp_path / "first.log").read_text().count("fault injection: dropped")
    print(f"\nrecords dropped by the fault injection: {dropped}; the watch sought again {reseeks:.0f} time(s), "
          f"asked for {rebalances:.0f} rebalance(s); late articles {late:.0f}")
    assert dropped and reseeks >= 1, "the fault was not injected, or the watch did not see it"
    check_exact(settings, "changelog records lost in recovery")

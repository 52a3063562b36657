"""The benchmark's runs: the core alone, bare spaCy, and the pipeline through the broker."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

from streams.bench.corpus import words
from streams.config import Settings, settings_environment
from streams.processes import WorkerProcess, child_pids, spawn_worker


@dataclass
class Run:
    """One timed run: articles, words, seconds; derived rates."""

    name: str
    articles: int
    words: int
    seconds: float
    processes: int

    @property
    def articles_per_second(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0


# -- the core alone ----------------------------------------------------------------------


def core_stages(articles: list[dict], settings: Settings) -> dict[str, float]:
    """Seconds per stage of ``Enricher.enrich_batch`` over the articles, no Kafka involved.

    "beyond NER" is everything but spaCy: decoding, validation, cleaning, datelines,
    language, entity merging, country tagging and building the records.
    """
    from streams.core.enrich import Enricher, Incoming

    enricher = Enricher(model=settings.spacy_model, nlp_batch_size=settings.nlp_batch_size,
                        ner_cache_bytes=settings.ner_cache_bytes)
    enricher.enrich_batch([Incoming(orjson.dumps(articles[0]))])  # warm up (lazy loads)
    totals: dict[str, float] = {}
    records = [Incoming(orjson.dumps(a)) for a in articles]
    for batch in settings.batch_policy().batches(records, lambda record: len(record.value)):
        for stage, seconds in enricher.enrich_batch(batch).seconds.items():
            totals[stage] = totals.get(stage, 0.0) + seconds
    totals["beyond NER"] = totals["total"] - totals["ner"]
    return totals


# -- (a) bare spaCy ----------------------------------------------------------------------

#: Articles per nlp.pipe batch when bare spaCy reads whole articles (as spaCy's users do).
BARE_BATCH_ARTICLES = 16


def _bare_worker(args: tuple[str, list[str], int, multiprocessing.Barrier]) -> float:
    model, texts, batch_size, barrier = args
    from streams.core.nlp import load_pipeline

    nlp = load_pipeline(model)
    list(nlp.pipe(texts[:2]))  # warm up
    barrier.wait()
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - started


def bare_spacy(articles: list[dict], processes: int, model: str, batch_size: int) -> Run:
    """nlp.pipe over the articles' raw text, split over ``processes`` processes started together,
    each with as many words (``even_partitions``)."""
    texts = [f"{a.get('title', '')}\n\n{a.get('body', '')}" for a in articles]
    plan = even_partitions(articles, processes)
    shares = [[text for text, share in zip(texts, plan, strict=True) if share == i] for i in range(processes)]
    with multiprocessing.Manager() as manager:
        barrier = manager.Barrier(processes)
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            seconds = pool.map(_bare_worker, [(model, share, batch_size, barrier) for share in shares])
    return Run(f"bare nlp.pipe, {processes} process(es)", len(articles), sum(map(words, articles)), max(seconds),
               processes)


# -- (b), (c), (d) through the broker ----------------------------------------------------


def start_workers(settings: Settings, processes: int, *, nlp: bool, log_path: Path) -> WorkerProcess:
    """`newsstream worker --processes N`, quiet, with or without NLP."""
    return spawn_worker(settings, processes=processes, log=log_path, env_overrides={
        "NEWSSTREAM_NLP_ENABLED": str(nlp).lower(), "NEWSSTREAM_LOG_LEVEL": "warning",
    })


def worker_tree(workers: WorkerProcess) -> list[tuple[int, str]]:
    """(pid, role) of every worker process (the supervisor's children, or the worker itself) and
    of its core process (``streams.core_process``), roles "worker" and "core"."""
    found = []
    for pid in workers.children() if len(workers.ports) > 1 else [workers.pid]:
        found.append((pid, "worker"))
        found += [(child, "core") for child in child_pids(pid) if _is_core(child)]
    return found


def _is_core(pid: int) -> bool:
    """A process multiprocessing started to run the core (not its resource tracker)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in command and b"resource_tracker" not in command


def peak_rss_mb(workers: WorkerProcess) -> list[float]:
    """VmHWM of every worker process and of its core process."""
    peaks = []
    for pid, _ in worker_tree(workers):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


class Reader:
    """Reads enriched records back and records each article's send-to-read latency."""

    def __init__(self, consumer):
        self.consumer = consumer
        self.sent_at: dict[str, float] = {}
        self.pending: set[str] = set()
        self.latencies: list[float] = []
        self.last = 0.0

    def sent(self, article_id: str) -> None:
        self.sent_at[article_id] = time.perf_counter()
        self.pending.add(article_id)

    def poll(self, timeout: float) -> None:
        for records in self.consumer.poll(timeout_ms=max(1, int(timeout * 1000))).values():
            now = time.perf_counter()
            for record in records:
                key = record.key.decode()
                if key in self.pending:
                    self.pending.discard(key)
                    self.latencies.append(now - self.sent_at[key])
                    self.last = now

    def until_all_read(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            self.poll(0.2)
        if self.pending:
            raise RuntimeError(f"{len(self.pending)} articles not enriched within {timeout} s")


def fresh_settings(base: Settings, tag: str) -> Settings:
    """Topics and a group of this run's own, so runs never see each other's records."""
    suffix = f"{tag}-{uuid.uuid4().hex[:6]}"
    return base.model_copy(
        update={
            "app_id": f"bench-{suffix}",
            "topic_raw": f"bench.raw.{suffix}",
            "topic_enriched": f"bench.enriched.{suffix}",
            "topic_deadletter": f"bench.dead.{suffix}",
            "topic_trends": f"bench.trends.{suffix}",
            "data_dir": str(Path(tempfile.gettempdir()) / f"newsstream-bench-{suffix}"),
        }
    )


def through_broker(
    base: Settings,
    articles: list[dict],
    processes: int,
    *,
    nlp: bool,
    workdir: Path,
    steady_rate: float | None = None,
    steady_seconds: float = 30.0,
    batch_size: int | None = None,
    preloaded: Settings | None = None,
) -> tuple[Run, list[float], list[float]]:
    """Enrich articles through the broker and read them back.

    Default: the workers are ready, then every article is sent at once; the time runs from
    the first send to the last enriched record read. ``steady_rate``: one article every
    1/rate seconds instead. ``preloaded`` (for runs faster than this process's Kafka client
    can send or read): settings whose raw topic ``preload_topic`` filled with ``articles``
    before the workers start; the rate comes from the enriched records' broker timestamps,
    first to last.
    Returns the run, the per-article latencies and the peak RSS (MB) of each worker process.
    """
    from streams import kafka_io
    from streams.topics import ensure_topics

    settings = fresh_settings(base, f"{processes}p")
    if preloaded is not None:
        settings = settings.model_copy(update={"topic_raw": preloaded.topic_raw})
    if batch_size:
        settings = settings.model_copy(update={"batch_size": batch_size})
    ensure_topics(settings)
    if steady_rate is not None:
        count = max(1, int(steady_rate * steady_seconds))
        articles = [{**articles[i % len(articles)], "id": f"steady-{i}"} for i in range(count)]
    workers = start_workers(settings, processes, nlp=nlp, log_path=workdir / f"{settings.app_id}.log")
    try:
        workers.wait_ready(120)
        reader = Reader(kafka_io.consumer(settings, [settings.topic_enriched], from_beginning=True))
        if preloaded is not None:
            while workers.metric("newsstream_articles_enriched_total") < len(articles):
                time.sleep(0.5)
            reader.pending = {a["id"] for a in articles}
            timestamps = []
            deadline = time.monotonic() + 600
            while reader.pending and time.monotonic() < deadline:
                for records in reader.consumer.poll(timeout_ms=500).values():
                    for record in records:
                        reader.pending.discard(record.key.decode())
                        timestamps.append(record.timestamp / 1000)
            first, last = min(timestamps), max(timestamps)
            counted = sum(1 for t in timestamps if t > first)  # the first batch's end starts the clock
            run = Run("", counted, sum(map(words, articles)) * counted // len(articles), last - first, processes)
        else:
            reader.poll(0.5)  # join and position before the clock starts
            producer = kafka_io.producer(settings)
            producer.partitions_for(settings.topic_raw)  # its metadata, before the clock too
            plan = even_partitions(articles, settings.topic_partitions)
            started = time.perf_counter()
            for index, article in enumerate(articles):
                if steady_rate is not None:  # wait for this article's slot, reading meanwhile
                    while (delay := started + index / steady_rate - time.perf_counter()) > 0:
                        reader.poll(delay)
                reader.sent(article["id"])
                send_to(producer, settings, article, plan[index])
                if steady_rate is not None:
                    producer.flush()
            producer.close()  # flushes; its idle network thread would take CPU from the workers
            reader.until_all_read(timeout=900)
            run = Run("", len(articles), sum(map(words, articles)), reader.last - started, processes)
        reader.consumer.close()
        rss = peak_rss_mb(workers)
    finally:
        workers.stop(40)
    run.name = f"end to end, {processes} process(es){'' if nlp else ', --no-nlp'}" + (
        f", steady {steady_rate:.1f}/s" if steady_rate else ""
    )
    return run, reader.latencies, rss


def send_to(producer, settings: Settings, article: dict, partition: int) -> None:
    producer.send(settings.topic_raw, key=article["id"].encode(), value=orjson.dumps(article), partition=partition)


def even_partitions(articles: list[dict], partitions: int) -> list[int]:
    """A partition for each article so that every partition holds about as many words.

    Longest article first, each to the partition with the fewest words so far. Any even
    assignment of partitions to processes then gives every process an equal share of the
    work, as bare spaCy's shares are, and a run waits for its slowest process. A key hash
    over a few hundred ids left one process a third more work; round robin over counts,
    1.5-3.5% more words, depending on which partitions the group gave it.
    """
    sizes = [words(article) for article in articles]
    loads = [0] * partitions
    plan = [0] * len(articles)
    for index in sorted(range(len(articles)), key=lambda i: -sizes[i]):
        partition = min(range(partitions), key=loads.__getitem__)
        plan[index] = partition
        loads[partition] += sizes[index]
    # then swap articles between the heaviest and the lightest partition while that narrows the gap
    while True:
        heavy, light = max(range(partitions), key=loads.__getitem__), min(range(partitions), key=loads.__getitem__)
        gap = loads[heavy] - loads[light]
        swaps = [(abs(gap - 2 * (sizes[a] - sizes[b])), a, b)
                 for a in range(len(plan)) if plan[a] == heavy
                 for b in range(len(plan)) if plan[b] == light]
        best = min(swaps, default=None)
        if best is None or best[0] >= gap:
            return plan
        _, a, b = best
        plan[a], plan[b] = light, heavy
        loads[heavy] += sizes[b] - sizes[a]
        loads[light] += sizes[a] - sizes[b]


def preload_topic(base: Settings, articles: list[dict]) -> Settings:
    """A fresh raw topic holding ``articles`` (as many on each partition), for several runs to read."""
    from streams import kafka_io
    from streams.topics import ensure_topics

    settings = fresh_settings(base, "preload")
    ensure_topics(settings)
    producer = kafka_io.producer(settings)
    for index, article in enumerate(articles):
        send_to(producer, settings, article, index % settings.topic_partitions)
    producer.flush()
    producer.close()
    return settings


def faust_alone(preloaded: Settings, count: int, batch_size: int, workdir: Path) -> Run:
    """The preloaded records through a Faust agent that only takes and acks them, in one process.

    Same client settings as the worker (``new_faust_app``), no enrichment, no output: the
    framework's own ceiling, which bounds what the --no-nlp run can reach on this machine.
    """
    settings = fresh_settings(preloaded, "faust-alone").model_copy(
        # as the --no-nlp worker: its read-ahead too
        update={"topic_raw": preloaded.topic_raw, "batch_size": batch_size}
    )
    env = settings_environment(settings) | {"BENCH_COUNT": str(count)}
    with open(workdir / f"{settings.app_id}.log", "ab") as log:
        child = "from streams.bench.runs import _faust_alone_child; _faust_alone_child()"
        done = subprocess.run([sys.executable, "-c", child], env=env, stdout=subprocess.PIPE, stderr=log,
                              timeout=600, check=True)
    # Faust writes terminal control codes around it
    found = re.search(rb'\{"records":[^}]*\}', done.stdout)
    if found is None:
        raise RuntimeError(f"the Faust-alone run printed no result: {done.stdout[-500:]!r}")
    result = orjson.loads(found.group())
    return Run("Faust alone: take and ack, no work, 1 process", result["records"], 0, result["seconds"], 1)


def _faust_alone_child() -> None:
    """In the child of ``faust_alone``: print {"records", "seconds"} once ``BENCH_COUNT`` records were taken."""
    import faust

    from streams.app import new_faust_app, raw_topic
    from streams.config import load_settings

    settings = load_settings()
    count, batch_size = int(os.environ["BENCH_COUNT"]), settings.batch_size
    app = new_faust_app(settings)
    seen = {"records": 0, "first": 0, "started": 0.0}

    @app.agent(raw_topic(app, settings), name="take-and-ack")
    async def take_and_ack(stream):
        async for events in stream.take_events(batch_size, within=settings.batch_wait):
            if not seen["first"]:  # like the --no-nlp run, the clock starts after the first batch
                seen["first"], seen["started"] = len(events), time.perf_counter()
            seen["records"] += len(events)
            if seen["records"] >= count:
                counted = seen["records"] - seen["first"]
                print(orjson.dumps({"records": counted, "seconds": time.perf_counter() - seen["started"]}).decode(),
                      flush=True)
                os._exit(0)

    faust.Worker(app, loglevel="warning", redirect_stdouts=False, quiet=True).execute_from_commandline()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")


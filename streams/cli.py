"""The newsstream command line: demo, worker, broker, produce, consume, enrich.

Thin: every command parses options into Settings and calls the module that does the work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import Progress

from streams import __version__
from streams.config import Settings, load_settings

log = logging.getLogger("streams")
cli = typer.Typer(
    name="newsstream",
    help="Enrich news articles flowing through Kafka with named entities and country tags.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

#: The sample articles: the top-level seeds/ folder, shipped in the package through a link.
REPO_SEEDS = Path(__file__).resolve().parent / "seeds"
#: Records per batch in the --no-nlp benchmark run (the default batch size suits NLP batches).
NO_NLP_BATCH = 500

BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", "-b", help="Kafka bootstrap servers (default: $NEWSSTREAM_BROKER)."),
]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def require_broker(settings: Settings) -> Settings:
    if not settings.broker:
        err.print(
            "[red]No broker configured.[/red] Set NEWSSTREAM_BROKER (or --broker) to your cluster, "
            "or to the address that `newsstream worker` / `newsstream broker` logs for the embedded broker."
        )
        raise typer.Exit(2)
    return settings


@cli.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        out.print(f"newsstream {__version__}")
        raise typer.Exit()


@cli.command()
def worker(
    broker: BrokerOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Port of /metrics, /healthz, /readyz (process i uses port + i).")
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning, error.")] = None,
    processes: Annotated[
        int, typer.Option("--processes", "-p", min=1, help="Worker processes in this group on this host.")
    ] = os.cpu_count() or 1,
) -> None:
    """Run the long-running enrichment worker (joins the consumer group, enriches until stopped).

    With --processes N (default: the number of cores), N processes join the same consumer group;
    more machines join by running the same command against the same cluster.
    """
    from streams.broker import EmbeddedBroker
    from streams.supervisor import run_processes
    from streams.topics import ensure_topics
    from streams.worker import run_worker

    settings = load_settings(broker=broker, metrics_port=metrics_port, log_level=log_level)
    configure_logging(settings.log_level)
    with contextlib.ExitStack() as stack:
        if not settings.broker:
            embedded = stack.enter_context(EmbeddedBroker())
            settings = settings.model_copy(update={"broker": embedded.url})
            log.warning(
                "NEWSSTREAM_BROKER is not set: started an embedded in-memory broker; "
                "connect producers and consumers with NEWSSTREAM_BROKER=%s",
                embedded.url,
            )
        if processes == 1:
            run_worker(settings)
        else:
            ensure_topics(settings)  # once, before the processes race to create them
            raise typer.Exit(run_processes(settings, processes))


@cli.command()
def broker(
    port: Annotated[int, typer.Option(help="Port to listen on (0: a free one).")] = 9092,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run only the embedded in-memory Kafka-compatible broker, until interrupted."""
    from streams.broker import EmbeddedBroker

    configure_logging("info")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # delivered to sigwait, not fatal
    with EmbeddedBroker(host=host, port=port or None) as embedded:
        out.print(f"broker listening: NEWSSTREAM_BROKER={embedded.url}")
        signal.sigwait(stop_signals)


@cli.command()
def produce(
    files: Annotated[list[str], typer.Argument(help="JSON, JSON Lines or plain-text files; - for standard input.")],
    broker: BrokerOption = None,
    topic: Annotated[str | None, typer.Option(help="Topic to send to (default: the raw topic).")] = None,
    validate: Annotated[bool, typer.Option("--validate/--no-validate", help="Refuse files with invalid articles.")] = True,
) -> None:
    """Send raw articles to the raw topic, keyed by article id (validated first)."""
    from streams import kafka_io
    from streams.core.records import RecordError, article_id, validate_raw
    from streams.inputs import read_records
    from streams.topics import ensure_topics

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    records = [record for path in files for record in _read_or_exit(read_records, path)]
    problems = []
    for record in records:
        if record.error:
            problems.append(f"{record.where}: {record.error}")
        elif validate:
            try:
                validate_raw(record.article)
            except RecordError as exc:
                problems.append(f"{record.where}: {exc.code}: {exc.reason}")
    if problems and validate:
        for problem in problems:
            err.print(f"[red]invalid[/red] {problem}")
        err.print(f"{len(problems)} of {len(records)} records invalid; nothing sent (use --no-validate to send anyway)")
        raise typer.Exit(1)
    ensure_topics(settings)
    producer = kafka_io.producer(settings)
    futures = []
    with Progress(console=err, transient=True, disable=len(records) < 100) as progress:
        task = progress.add_task("producing", total=len(records))
        for record in records:
            key = article_id(record.article).encode() if record.article else None
            futures.append(producer.send(topic or settings.topic_raw, key=key, value=record.raw))
            progress.advance(task)
        producer.flush()
    failed = [f for f in futures if f.failed()]
    producer.close()
    err.print(f"sent {len(futures) - len(failed)} records to {topic or settings.topic_raw}")
    if failed:
        err.print(f"[red]{len(failed)} records were not acknowledged:[/red] {failed[0].exception}")
        raise typer.Exit(1)


def _read_or_exit(reader, path: str):
    try:
        return list(reader(path))
    except OSError as exc:
        err.print(f"[red]cannot read {path}:[/red] {exc.strerror or exc}")
        raise typer.Exit(1) from None


@cli.command()
def consume(
    broker: BrokerOption = None,
    country: Annotated[list[str] | None, typer.Option(help="Only articles tagged with this ISO code (repeatable).")] = None,
    entity: Annotated[list[str] | None, typer.Option(help="Only articles with an entity containing this text.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON Lines.")] = False,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest record instead of new ones.")] = False,
    dead_letters: Annotated[bool, typer.Option(help="Tail the dead-letter topic instead.")] = False,
    max_records: Annotated[int | None, typer.Option("--max", help="Stop after this many printed records.")] = None,
    idle_timeout: Annotated[float | None, typer.Option(help="Stop after this many seconds without a record.")] = None,
) -> None:
    """Tail the enriched topic, optionally filtered by country or entity."""
    from streams import kafka_io, render

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    topic = settings.topic_deadletter if dead_letters else settings.topic_enriched
    countries = {c.upper() for c in country or []}
    needles = [e.lower() for e in entity or []]
    kafka_consumer = kafka_io.consumer(settings, [topic], from_beginning=from_beginning)
    printed = 0
    try:
        for message in kafka_io.tail(kafka_consumer, idle_timeout=idle_timeout, max_records=None):
            record = orjson.loads(message.value)
            if not dead_letters and not _matches(record, countries, needles):
                continue
            if as_json:
                sys.stdout.buffer.write(message.value + b"\n")
                sys.stdout.flush()
            elif dead_letters:
                out.print(render.dead_letter_line(record))
            else:
                render.print_article(out, record)
            printed += 1
            if max_records is not None and printed >= max_records:
                break
    except KeyboardInterrupt:
        pass
    finally:
        kafka_consumer.close()


def _matches(record: dict, countries: set[str], needles: list[str]) -> bool:
    if countries and not countries & {c["code"] for c in record.get("countries", [])}:
        return False
    if needles:
        names = [e["text"].lower() for e in record.get("entities", [])]
        if not any(needle in name for needle in needles for name in names):
            return False
    return True


@cli.command()
def enrich(
    batch_size: Annotated[int | None, typer.Option(help="Records enriched together (default: NEWSSTREAM_BATCH_SIZE).")] = None,
) -> None:
    """Enrich raw-article JSON Lines from stdin to stdout, without Kafka. Dead letters go to stderr (exit 3)."""
    from streams.core.enrich import Enricher, Incoming

    settings = load_settings(batch_size=batch_size)
    configure_logging("warning")
    enricher = Enricher(
        model=settings.spacy_model, max_record_bytes=settings.max_record_bytes, nlp_batch_size=settings.nlp_batch_size
    )
    records = (Incoming(line.rstrip(b"\r\n")) for line in sys.stdin.buffer if line.strip())
    dead = 0
    for batch in settings.batch_policy().batches(records, lambda record: len(record.value)):
        for outcome in enricher.enrich_batch(batch).outcomes:
            stream = sys.stdout.buffer if outcome.ok else sys.stderr.buffer
            stream.write(orjson.dumps(outcome.record) + b"\n")
            dead += not outcome.ok
        sys.stdout.flush()
    if dead:
        raise typer.Exit(3)


@cli.command()
def demo(
    seeds: Annotated[Path, typer.Option(help="Directory of sample articles.")] = REPO_SEEDS,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds.")] = 180.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the enriched records as JSON.")] = False,
) -> None:
    """Embedded broker + a worker; push the seed articles through and print them enriched."""
    from streams import kafka_io, render
    from streams.broker import EmbeddedBroker, free_port, stop_process
    from streams.inputs import read_records, seed_files
    from streams.core.records import article_id
    from streams.topics import ensure_topics

    configure_logging("warning")
    files = seed_files(seeds) if seeds.is_dir() else []
    if not files:
        err.print(f"[red]no sample articles in {seeds}[/red]")
        raise typer.Exit(1)
    records = [r for f in files for r in read_records(str(f)) if r.article is not None]
    workdir = Path(tempfile.mkdtemp(prefix="newsstream-demo-"))
    started = time.monotonic()
    with EmbeddedBroker(log_path=workdir / "broker.log") as embedded:
        settings = load_settings(broker=embedded.url, app_id="newsstream-demo", data_dir=str(workdir / "data"))
        err.print(f"embedded broker at {embedded.url}; logs in {workdir}")
        ensure_topics(settings)
        metrics_port = free_port()
        env = {**os.environ, "NEWSSTREAM_BROKER": embedded.url, "NEWSSTREAM_APP_ID": settings.app_id,
               "NEWSSTREAM_METRICS_PORT": str(metrics_port), "NEWSSTREAM_DATA_DIR": settings.data_dir}
        worker_log = open(workdir / "worker.log", "wb")  # noqa: SIM115 - closed below
        worker_proc = subprocess.Popen([sys.executable, "-m", "streams", "worker", "--processes", "1"], env=env,
                                       stdout=worker_log, stderr=subprocess.STDOUT)
        try:
            producer = kafka_io.producer(settings)
            for record in records:
                producer.send(settings.topic_raw, key=article_id(record.article).encode(), value=record.raw)
            producer.flush()
            producer.close()
            err.print(f"sent {len(records)} sample article(s) to {settings.topic_raw}; waiting for the worker...")
            consumer = kafka_io.consumer(settings, [settings.topic_enriched, settings.topic_deadletter], from_beginning=True)
            enriched, dead = [], []
            deadline = time.monotonic() + timeout
            while len(enriched) + len(dead) < len(records) and time.monotonic() < deadline:
                if worker_proc.poll() is not None:
                    break
                for message in kafka_io.tail(consumer, idle_timeout=1.0, max_records=len(records) - len(enriched) - len(dead)):
                    value = orjson.loads(message.value)
                    if message.topic == settings.topic_enriched:
                        enriched.append(value)
                        render.print_article(out, value) if not as_json else out.print_json(data=value)
                    else:
                        dead.append(value)
                        out.print(render.dead_letter_line(value))
            consumer.close()
            metrics_sample = _scrape(metrics_port, expect_enriched=len(enriched))
        finally:
            stop_process(worker_proc, timeout=15.0)
            worker_log.close()
    elapsed = time.monotonic() - started
    out.print(f"[bold]summary[/bold]: {len(records)} sent, {len(enriched)} enriched, {len(dead)} dead-lettered in {elapsed:.1f} s")
    if metrics_sample:
        out.print("worker metrics: " + ", ".join(metrics_sample))
    if len(enriched) + len(dead) < len(records):
        err.print(f"[red]the worker did not finish in time; its log:[/red] {workdir / 'worker.log'}")
        err.print((workdir / "worker.log").read_text(errors="replace")[-3000:])
        raise typer.Exit(1)


@cli.command()
def status(
    endpoint: Annotated[
        list[str] | None,
        typer.Option(help="Worker metrics URL, e.g. http://127.0.0.1:9464 (repeatable). "
                     "Default: NEWSSTREAM_METRICS_HOST and the ports of --processes workers."),
    ] = None,
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="Workers on consecutive ports.")] = (
        os.cpu_count() or 1
    ),
    window: Annotated[float, typer.Option(help="Seconds between the two scrapes rates are computed from.")] = 10.0,
) -> None:
    """One screen: throughput, lag, dead letters, latency, top countries and entities, from /metrics."""
    from rich.table import Table

    from streams import status as st

    settings = load_settings()
    urls = endpoint or [f"http://{settings.metrics_host}:{settings.metrics_port + i}" for i in range(processes)]
    result = st.status([u.rstrip("/") for u in urls], window)
    up = [e for e in result.endpoints if e.up]
    out.print(f"[bold]workers[/bold]: {len(up)} of {len(urls)} answering, "
              f"{sum(e.ready for e in up)} ready  ({', '.join(e.url + ('' if e.up else ' down') for e in result.endpoints)})")
    if not up:
        raise typer.Exit(1)
    flow = Table(title=f"last {result.window:.0f} s", show_edge=False)
    for column in ("", "per second", "total"):
        flow.add_column(column, justify="right")
    for name, rate in result.rates.items():
        flow.add_row(name, f"{rate:.1f}", f"{result.totals[name]:.0f}")
    out.print(flow)
    latency = ", ".join(f"{k} <= {v:g} s" if v is not None else f"{k} -" for k, v in result.latency.items())
    out.print(f"[bold]end-to-end latency[/bold]: {latency}")
    lag_total = sum(result.lag.values())
    worst = ", ".join(f"{tp} {v:.0f}" for tp, v in sorted(result.lag.items(), key=lambda kv: -kv[1])[:8] if v > 0)
    out.print(f"[bold]lag[/bold]: {lag_total:.0f} records" + (f" ({worst})" if worst else ""))
    for title, rows in (("dead letters", result.dead_letters), ("countries", result.countries),
                        ("entity labels", result.labels)):
        out.print(f"[bold]{title}[/bold]: " + (", ".join(f"{k} {v:.0f}" for k, v in rows) or "-"))


@cli.command()
def bench(
    broker: BrokerOption = None,
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="N for the N-process runs.")] = (
        os.cpu_count() or 1
    ),
    steady_seconds: Annotated[float, typer.Option(help="Length of the steady 50%-load run.")] = 30.0,
    no_nlp_records: Annotated[int, typer.Option(help="Records for the --no-nlp run.")] = 20_000,
    seeds: Annotated[Path, typer.Option(help="Directory of sample articles.")] = REPO_SEEDS,
    rounds: Annotated[int, typer.Option(min=1, help="Times each benchmark article is sent.")] = 2,
    repeats: Annotated[int, typer.Option(min=1, help="Turns of bare spaCy and the pipeline; the best of each counts.")] = 3,
) -> None:
    """Benchmark: bare spaCy vs the pipeline end to end, scaling, latency at 50% load, peak RSS."""
    from rich.table import Table

    from streams import bench as b
    from streams.broker import EmbeddedBroker

    configure_logging("warning")
    # Preloading ~100 MB for the --no-nlp run keeps kafka-python's sender busy for >0.1 s at a
    # time, which it reports as a blocked event loop: nothing else runs on that loop here.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    settings = load_settings(broker=broker)
    articles, source = b.load_articles(seeds)
    articles = [{**a, "id": f"{a['id']}-{r}"} for r in range(rounds) for a in articles]
    word_count = sum(map(b.words, articles))
    out.print(f"benchmark articles: {len(articles)} ({word_count} words, {word_count / len(articles):.0f} per article) "
              f"from {source}; {processes} process(es) on {os.cpu_count()} core(s)")
    workdir = Path(tempfile.mkdtemp(prefix="newsstream-bench-"))
    runs, rss, latencies = [], [], []
    with contextlib.ExitStack() as stack:
        if not settings.broker:
            embedded = stack.enter_context(EmbeddedBroker(log_path=workdir / "broker.log"))
            settings = settings.model_copy(update={"broker": embedded.url})
        out.print(f"broker: {settings.broker}; logs in {workdir}")
        stages = b.core_stages(articles, settings)
        out.print("core alone, seconds per stage: " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))
        # bare spaCy and the pipeline in turns, `repeats` times, best of each: this machine's speed
        # drifts by tens of percent from minute to minute, and a ratio of runs minutes apart would show it
        best: dict[str, b.Run] = {}
        for repeat in range(repeats):
            for count in sorted({1, processes}):
                bare = b.bare_spacy(articles, count, settings.spacy_model, settings.nlp_batch_size)
                e2e, _, rss_run = b.through_broker(settings, articles, count, nlp=True, workdir=workdir)
                rss += rss_run
                for kind, run in (("bare", bare), ("e2e", e2e)):
                    run.name += f" (round {repeat + 1})"
                    runs.append(run)
                    if (kind, count) not in best or run.seconds < best[kind, count].seconds:
                        best[kind, count] = run
                out.print(f"round {repeat + 1}, {count} process(es): pipeline / bare spaCy "
                          f"{e2e.words_per_second / bare.words_per_second:.2f}")
        bare_1, e2e_1, bare_n, e2e_n = (best["bare", 1], best["e2e", 1], best["bare", processes],
                                        best["e2e", processes])
        many = [{**articles[i % len(articles)], "id": f"nonlp-{i}"} for i in range(no_nlp_records)]
        preloaded = b.preload_topic(settings, many)
        no_nlp, _, r0 = b.through_broker(settings, many, 1, nlp=False, workdir=workdir, preloaded=preloaded,
                                         batch_size=NO_NLP_BATCH)
        runs.append(no_nlp)
        rss += r0
        ceiling = b.faust_alone(preloaded, no_nlp_records, NO_NLP_BATCH, workdir)
        runs.append(ceiling)
        rate = e2e_n.articles_per_second / 2
        steady, latencies, rs = b.through_broker(settings, articles, processes, nlp=True, workdir=workdir,
                                                 steady_rate=rate, steady_seconds=steady_seconds)
        runs.append(steady)
        rss += rs

    table = Table(title="newsstream bench")
    for column in ("run", "processes", "articles", "seconds", "articles/s", "words/s"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in runs:
        table.add_row(run.name, str(run.processes), str(run.articles), f"{run.seconds:.2f}",
                      f"{run.articles_per_second:.1f}", f"{run.words_per_second:.0f}")
    wide = Console(width=max(out.width, 120))  # rows of figures read badly wrapped
    wide.print(table)
    p50, p95, p99 = (b.percentile(latencies, q) for q in (50, 95, 99))
    ratio_n = e2e_n.words_per_second / bare_n.words_per_second
    ratio_1 = e2e_1.words_per_second / bare_1.words_per_second
    scaling = e2e_n.articles_per_second / e2e_1.articles_per_second
    beyond = stages["beyond NER"] / stages["ner"]
    checks = [
        ("core: everything beyond NER / NER time", f"{beyond:.1%}", "<= 10%", beyond <= 0.10),
        (f"(e) pipeline / bare spaCy, {processes} process(es)", f"{ratio_n:.3f}", ">= 0.90", ratio_n >= 0.9),
        ("(e) pipeline / bare spaCy, 1 process", f"{ratio_1:.3f}", ">= 0.90", ratio_1 >= 0.9),
        (f"(b) {processes} processes / 1 process", f"{scaling:.2f}x", ">= 1.7x", scaling >= 1.7),
        (f"--no-nlp, 1 process (batches of {NO_NLP_BATCH}; Faust alone: {ceiling.articles_per_second:.0f}/s)",
         f"{no_nlp.articles_per_second:.0f} articles/s", ">= 5000", no_nlp.articles_per_second >= 5000),
        (f"(c) latency at {rate:.1f} articles/s for {steady_seconds:.0f} s",
         f"p50 {p50:.2f} s, p95 {p95:.2f} s, p99 {p99:.2f} s", "p99 <= 2 s", p99 <= 2.0),
        ("(d) peak RSS per process", ", ".join(f"{m:.0f} MB" for m in rss), "<= 400 MB", max(rss, default=0) <= 400),
    ]
    targets = Table(title="targets")
    for column in ("figure", "measured", "target", "met"):
        targets.add_column(column)
    for name, measured, target, met in checks:
        targets.add_row(name, measured, target, "yes" if met else "[red]no[/red]")
    wide.print(targets)


def _scrape(port: int, expect_enriched: int, timeout: float = 5.0) -> list[str]:
    """Headline figures from the worker's /metrics, once they count what was read back.

    The worker counts a batch just after the broker acknowledged it, so a fast reader
    can see the records a moment before the counters move.
    """
    from streams.status import fetch

    wanted = ("newsstream_articles_consumed_total", "newsstream_articles_enriched_total",
              "newsstream_articles_deadlettered_total")
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch(f"http://127.0.0.1:{port}/metrics", timeout=5)
        if answer is None or answer[0] != 200:
            return []
        lines = [line for line in answer[1].decode().splitlines() if line.startswith(wanted)]
        enriched = sum(float(line.split()[-1]) for line in lines if line.startswith(wanted[1]))
        if enriched >= expect_enriched or time.monotonic() > deadline:
            return [line for line in lines if not line.endswith(" 0.0") or line.startswith(wanted[:2])]
        time.sleep(0.2)


def main() -> None:
    cli()

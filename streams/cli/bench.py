"""`newsstream bench`: the benchmark (``streams.bench``), its figures printed as they come."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from streams.cli import REPO_SEEDS, BrokerOption, cli, configure_logging, out
from streams.config import load_settings


@cli.command("bench")
def bench_command(
    broker: BrokerOption = None,
    processes: Annotated[int, typer.Option("--processes", "-p", min=1, help="N for the N-process runs.")] = (
        os.cpu_count() or 1
    ),
    steady_seconds: Annotated[float, typer.Option(help="Length of the steady 50%-load run.")] = 30.0,
    no_nlp_records: Annotated[int, typer.Option(help="Records for the --no-nlp run.")] = 20_000,
    seeds: Annotated[Path, typer.Option(help="Directory of sample articles.")] = REPO_SEEDS,
    rounds: Annotated[int, typer.Option(min=1, help="Times each benchmark article is sent.")] = 2,
    repeats: Annotated[
        int, typer.Option(min=1, help="Turns of bare spaCy and the pipeline; the best of each counts.")
    ] = 3,
    soak: Annotated[float | None, typer.Option(
        min=1, metavar="MINUTES",
        help="Instead: a soak run of this many minutes, 2 processes at half their measured maximum rate, "
             "one killed (SIGKILL) every 2 minutes.")] = None,
    soak_rate: Annotated[float | None, typer.Option(
        min=0.1, help="Articles per second for --soak, instead of half the measured maximum.")] = None,
) -> None:
    """Benchmark: bare spaCy vs the pipeline end to end, scaling, latency at 50% load, peak RSS,
    a syndicated copy's NER cost; or, with --soak, a long run under kills."""
    from streams import bench

    configure_logging("warning")
    # Preloading ~100 MB for the --no-nlp run keeps kafka-python's sender busy for >0.1 s at a
    # time, which it reports as a blocked event loop: nothing else runs on that loop here.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    settings = load_settings(broker=broker)
    articles, source = bench.load_articles(seeds)
    articles = [{**a, "id": f"{a['id']}-{r}"} for r in range(rounds) for a in articles]
    word_count = sum(map(bench.words, articles))
    out.print(f"benchmark articles: {len(articles)} ({word_count} words, {word_count / len(articles):.0f} per article) "
              f"from {escape(source)}; {processes} process(es) on {os.cpu_count()} core(s)")
    workdir = Path(tempfile.mkdtemp(prefix="newsstream-bench-"))
    if soak is not None:
        _soak(settings, articles, soak, soak_rate, workdir)
        return
    results = bench.run_benchmark(settings, articles, processes=processes, steady_seconds=steady_seconds,
                                  no_nlp_records=no_nlp_records, repeats=repeats, workdir=workdir, say=out.print)
    wide = Console(width=max(out.width, 120))  # rows of figures read badly wrapped
    wide.print(bench.runs_table(results))
    wide.print(bench.targets_table(results))


def _soak(settings, articles: list[dict], minutes: float, rate: float | None, workdir: Path) -> None:
    """The soak run (``streams.bench.soak``) on the embedded broker unless one is given, and its table."""
    import contextlib
    import time

    from rich.table import Table

    from streams.bench.runs import through_broker
    from streams.bench.soak import report, run_soak
    from streams.broker import EmbeddedBroker

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with contextlib.ExitStack() as stack:
        if not settings.broker:
            embedded = stack.enter_context(EmbeddedBroker(log_path=workdir / "broker.log"))
            settings = settings.model_copy(update={"broker": embedded.url})
        settings = settings.model_copy(update={"ner_cache_bytes": 0})  # the soak repeats its articles
        if rate is None:
            most, _, _ = through_broker(settings, articles, 2, nlp=True, workdir=workdir)
            rate = most.articles_per_second / 2
            out.print(f"maximum with 2 processes: {most.articles_per_second:.1f} articles/s; the soak sends half")
        result = run_soak(settings, articles, minutes=minutes, rate=rate, workdir=workdir, say=out.print)
    table = Table(title=f"newsstream bench --soak {minutes:g} (started {started}, {os.cpu_count()} cores)")
    for column in ("figure", "measured", "target", "met"):
        table.add_column(column)
    for name, measured, target, met in report(result):
        table.add_row(name, measured, target, "" if not target else "yes" if met else "[red]no[/red]")
    Console(width=max(out.width, 120)).print(table)

"""The whole benchmark, in order, and the two tables it ends with: every run, and the targets."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table

from streams.bench.repeats import RepeatCost, repeat_cost
from streams.bench.runs import (
    BARE_BATCH_ARTICLES,
    Run,
    bare_spacy,
    core_stages,
    faust_alone,
    percentile,
    preload_topic,
    through_broker,
)
from streams.config import Settings

#: Records per batch in the --no-nlp run (the default batch size suits NLP batches).
NO_NLP_BATCH = 500


@dataclass
class Results:
    """Every figure the tables show."""

    processes: int
    stages: dict[str, float]
    best: dict[tuple[str, int], Run]
    no_nlp: Run
    ceiling: Run
    steady: Run
    steady_rate: float
    steady_seconds: float
    latencies: list[float]
    repeated: list[RepeatCost] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)


def run_benchmark(
    settings: Settings,
    articles: list[dict],
    *,
    processes: int,
    steady_seconds: float,
    no_nlp_records: int,
    repeats: int,
    workdir: Path,
    say: Callable[[str], None],
) -> Results:
    """The core alone, syndicated copies, bare spaCy and the pipeline in turns, --no-nlp, Faust
    alone, the steady run.

    The throughput runs turn the NER cache off: they send every article twice, and bare spaCy
    has no cache to compare with. Without a broker in ``settings``, an embedded one is started for the duration.
    ``say`` receives a line per step, as the figures come in.
    """
    from streams.broker import EmbeddedBroker

    runs, rss = [], []
    with contextlib.ExitStack() as stack:
        if not settings.broker:
            embedded = stack.enter_context(EmbeddedBroker(log_path=workdir / "broker.log"))
            settings = settings.model_copy(update={"broker": embedded.url})
        say(f"broker: {settings.broker}; logs in {workdir}")
        from streams.core.enrich import Enricher

        repeated, enricher = [], Enricher(model=settings.spacy_model, nlp_batch_size=settings.nlp_batch_size)
        for turn in range(repeats):  # one model and gazetteer for every turn; each turn starts an empty cache
            repeated.append(repeat_cost(articles, settings, enricher))
            say(f"turn {turn + 1}: NER of a syndicated copy / a new article {repeated[-1].ratio:.1%} "
                f"({repeated[-1].paragraphs_cached} paragraphs from the cache, {repeated[-1].paragraphs_read} read)")
        settings = settings.model_copy(update={"ner_cache_bytes": 0})
        stages = core_stages(articles, settings)
        say("core alone, seconds per stage: " + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))
        # bare spaCy and the pipeline in turns, `repeats` times, best of each: this machine's speed
        # drifts by tens of percent from minute to minute, and a ratio of runs minutes apart would show it
        best: dict[tuple[str, int], Run] = {}
        for repeat in range(repeats):
            for count in sorted({1, processes}):
                bare = bare_spacy(articles, count, settings.spacy_model, BARE_BATCH_ARTICLES)
                e2e, _, rss_run = through_broker(settings, articles, count, nlp=True, workdir=workdir)
                rss += rss_run
                for kind, run in (("bare", bare), ("e2e", e2e)):
                    run.name += f" (round {repeat + 1})"
                    runs.append(run)
                    if (kind, count) not in best or run.seconds < best[kind, count].seconds:
                        best[kind, count] = run
                say(f"round {repeat + 1}, {count} process(es): pipeline / bare spaCy "
                    f"{e2e.words_per_second / bare.words_per_second:.2f}")
            # the same articles through a worker without the trends agents: what counting them costs
            alone, _, _ = through_broker(settings.model_copy(update={"trends_enabled": False}), articles, 1, nlp=True,
                                         workdir=workdir)
            alone.name += f", without trends (round {repeat + 1})"
            runs.append(alone)
            if ("untrended", 1) not in best or alone.seconds < best["untrended", 1].seconds:
                best["untrended", 1] = alone
            say(f"round {repeat + 1}, 1 process: with the trends agents / without "
                f"{best['e2e', 1].articles_per_second / best['untrended', 1].articles_per_second:.3f} "
                "(best of each so far)")
        many = [{**articles[i % len(articles)], "id": f"nonlp-{i}"} for i in range(no_nlp_records)]
        preloaded = preload_topic(settings, many)
        no_nlp, _, r0 = through_broker(settings, many, 1, nlp=False, workdir=workdir, preloaded=preloaded,
                                       batch_size=NO_NLP_BATCH)
        runs.append(no_nlp)
        rss += r0
        ceiling = faust_alone(preloaded, no_nlp_records, NO_NLP_BATCH, workdir)
        runs.append(ceiling)
        rate = best["e2e", processes].articles_per_second / 2
        steady, latencies, rs = through_broker(settings, articles, processes, nlp=True, workdir=workdir,
                                               steady_rate=rate, steady_seconds=steady_seconds)
        runs.append(steady)
        rss += rs
    return Results(processes=processes, stages=stages, best=best, no_nlp=no_nlp, ceiling=ceiling, steady=steady,
                   steady_rate=rate, steady_seconds=steady_seconds, latencies=latencies, repeated=repeated, rss=rss,
                   runs=runs)


def runs_table(results: Results) -> Table:
    table = Table(title="newsstream bench")
    for column in ("run", "processes", "articles", "seconds", "articles/s", "words/s"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in results.runs:
        table.add_row(run.name, str(run.processes), str(run.articles), f"{run.seconds:.2f}",
                      f"{run.articles_per_second:.1f}", f"{run.words_per_second:.0f}")
    return table


def targets(results: Results) -> list[tuple[str, str, str, bool]]:
    """(figure, measured, target, met) for each of the issues' targets; throughput and the
    repeat cost from the best turn, with the spread of the turns beside it."""
    n, best, rss = results.processes, results.best, results.rss
    p50, p95, p99 = (percentile(results.latencies, q) for q in (50, 95, 99))
    ratio_n = best["e2e", n].words_per_second / best["bare", n].words_per_second
    ratio_1 = best["e2e", 1].words_per_second / best["bare", 1].words_per_second
    scaling = best["e2e", n].articles_per_second / best["e2e", 1].articles_per_second
    trends = 1 - best["e2e", 1].articles_per_second / best["untrended", 1].articles_per_second
    beyond = results.stages["beyond NER"] / results.stages["ner"]
    no_nlp = results.no_nlp.articles_per_second
    ratios = sorted(turn.ratio for turn in results.repeated)
    repeat = ratios[0] if ratios else float("nan")
    cache_mb = max((turn.cache_bytes for turn in results.repeated), default=0) / 1e6
    return [
        ("core: everything beyond NER / NER time", f"{beyond:.1%}", "<= 10%", beyond <= 0.10),
        (f"(e) pipeline / bare spaCy, {n} process(es)", f"{ratio_n:.3f}", ">= 0.95", ratio_n >= 0.95),
        ("(e) pipeline / bare spaCy, 1 process", f"{ratio_1:.3f}", ">= 0.97", ratio_1 >= 0.97),
        (f"(b) {n} processes / 1 process", f"{scaling:.2f}x", ">= 1.85x", scaling >= 1.85),
        ("trends agents: throughput lost, 1 process", f"{trends:.1%}", "<= 3%", trends <= 0.03),
        (f"NER of a syndicated copy / a new article (turns: {', '.join(f'{r:.1%}' for r in ratios)}; "
         f"cache {cache_mb:.1f} MB)", f"{repeat:.1%}", "<= 10%", repeat <= 0.10),
        (f"--no-nlp, 1 process (batches of {NO_NLP_BATCH}; Faust alone: "
         f"{results.ceiling.articles_per_second:.0f}/s)", f"{no_nlp:.0f} articles/s", ">= 5000", no_nlp >= 5000),
        (f"(c) latency at {results.steady_rate:.1f} articles/s for {results.steady_seconds:.0f} s",
         f"p50 {p50:.2f} s, p95 {p95:.2f} s, p99 {p99:.2f} s", "p99 <= 0.6 s", p99 <= 0.6),
        ("(d) peak RSS per process", ", ".join(f"{m:.0f} MB" for m in rss), "<= 400 MB", max(rss, default=0) <= 400),
    ]


def targets_table(results: Results) -> Table:
    table = Table(title="targets")
    for column in ("figure", "measured", "target", "met"):
        table.add_column(column)
    for name, measured, target, met in targets(results):
        table.add_row(name, measured, target, "yes" if met else "[red]no[/red]")
    return table

"""`newsstream demo`: the sample articles through an embedded broker and a worker, printed enriched."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from streams.cli import REPO_SEEDS, cli, configure_logging, err, out


@cli.command("demo")
def demo_command(
    seeds: Annotated[Path, typer.Option(help="Directory of sample articles.")] = REPO_SEEDS,
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds.")] = 180.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the enriched records as JSON.")] = False,
    serve: Annotated[bool, typer.Option("--serve", help="Then keep the broker, worker and live page up until Ctrl-C.")
                     ] = False,
    trickle: Annotated[float, typer.Option(min=0, help="With --serve: sample articles sent per second (0: none).")
                       ] = 0.0,
) -> None:
    """Embedded broker + a worker; push the seed articles through and print them enriched.

    The worker serves the live page (its URL is printed); --serve keeps it running.
    """
    from streams import render
    from streams.demo import run_demo
    from streams.inputs import read_records, seed_files

    configure_logging("warning")
    files = seed_files(seeds) if seeds.is_dir() else []
    if not files:
        err.print(f"[red]no sample articles in {seeds}[/red]")
        raise typer.Exit(1)
    records = [r for f in files for r in read_records(str(f)) if r.article is not None]

    def show(record: dict, enriched: bool) -> None:
        if not enriched:
            out.print(render.dead_letter_line(record))
        elif as_json:
            out.print_json(data=record)
        else:
            render.print_article(out, record)

    trickle_articles = None
    if serve and trickle > 0:
        from streams.bench.corpus import load_articles

        trickle_articles, source = load_articles(seeds)
        err.print(f"trickle: {len(trickle_articles)} sample articles from {source}")
    result = run_demo(records, timeout=timeout, say=err.print, show=show, serve=serve, trickle=trickle,
                      trickle_articles=trickle_articles)
    out.print(f"[bold]summary[/bold]: {result.sent} sent, {len(result.enriched)} enriched, "
              f"{len(result.dead)} dead-lettered in {result.seconds:.1f} s")
    if result.metrics:
        out.print("worker metrics: " + ", ".join(result.metrics))
    if not result.finished:
        err.print(f"[red]the worker did not finish in time; its log:[/red] {result.worker_log}")
        err.print(result.worker_log.read_text(errors="replace")[-3000:])
        raise typer.Exit(1)

"""`newsstream enrich`: the enrichment without Kafka, JSON Lines in and out."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from streams.cli import cli, configure_logging, err
from streams.config import load_settings


@cli.command("enrich")
def enrich_command(
    batch_size: Annotated[
        int | None, typer.Option(help="Records enriched together (default: NEWSSTREAM_BATCH_SIZE).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary line.")] = False,
) -> None:
    """Enrich raw-article JSON Lines from stdin to stdout, without Kafka. Dead letters go to stderr (exit 3)."""
    from streams.core.enrich import Enricher, Incoming
    from streams.progress import RecordProgress

    settings = load_settings(batch_size=batch_size)
    configure_logging("warning")
    enricher = Enricher(
        model=settings.spacy_model, max_record_bytes=settings.max_record_bytes, nlp_batch_size=settings.nlp_batch_size,
        ner_cache_bytes=settings.ner_cache_bytes,
        languages=settings.languages.split(","),
        preload=[code for code in settings.preload_languages.split(",") if code],
    )
    records = (Incoming(line.rstrip(b"\r\n")) for line in sys.stdin.buffer if line.strip())
    dead = 0
    with RecordProgress(err, "enriching", quiet=quiet) as progress:
        for batch in settings.batch_policy().batches(records, lambda record: len(record.value)):
            for outcome in enricher.enrich_batch(batch).outcomes:
                stream = sys.stdout.buffer if outcome.ok else sys.stderr.buffer
                stream.write(orjson.dumps(outcome.record) + b"\n")
                dead += not outcome.ok
            sys.stdout.flush()
            progress.advance(len(batch))
    if not quiet:
        err.print(f"enriched {progress.count - dead}, dead-lettered {dead} in {progress.seconds:.1f} s",
                  highlight=False, soft_wrap=True)
    if dead:
        raise typer.Exit(3)

"""`newsstream produce`: validate articles from files and send them to the raw topic."""

from __future__ import annotations

from typing import Annotated

import typer

from streams.cli import BrokerOption, cli, configure_logging, err, require_broker
from streams.config import load_settings
from streams.errors import ConfigError


@cli.command("produce")
def produce_command(
    files: Annotated[list[str], typer.Argument(help="JSON, JSON Lines or plain-text files; - for standard input.")],
    broker: BrokerOption = None,
    topic: Annotated[str | None, typer.Option(help="Topic to send to (default: the raw topic).")] = None,
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="Refuse files with invalid articles.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary line.")] = False,
) -> None:
    """Send raw articles to the raw topic, keyed by article id (validated first)."""
    from streams import kafka_io
    from streams.core.records import RecordError, article_id, validate_raw
    from streams.inputs import read_records
    from streams.progress import RecordProgress
    from streams.topics import ensure_topics

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    records = [record for path in files for record in _read_or_exit(read_records, path)]
    if not records:
        raise ConfigError(f"no articles in {', '.join(files)}: nothing sent")
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
    with RecordProgress(err, "producing", total=len(records), quiet=quiet) as progress:
        for record in records:
            key = article_id(record.article).encode() if record.article else None
            futures.append(producer.send(topic or settings.topic_raw, key=key, value=record.raw))
            progress.advance()
        producer.flush()
    failed = [f for f in futures if f.failed()]
    producer.close()
    if not quiet:
        err.print(f"sent {len(futures) - len(failed)} records to {topic or settings.topic_raw} "
                  f"in {progress.seconds:.1f} s", highlight=False, soft_wrap=True)
    if failed:
        err.print(f"[red]{len(failed)} records were not acknowledged:[/red] {failed[0].exception}")
        raise typer.Exit(1)


def _read_or_exit(reader, path: str):
    try:
        return list(reader(path))
    except OSError as exc:
        err.print(f"[red]cannot read {path}:[/red] {exc.strerror or exc}")
        raise typer.Exit(1) from None

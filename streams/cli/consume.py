"""`newsstream consume`: tail the enriched topic through the typed client (``streams.client``), or the dead letters."""

from __future__ import annotations

import contextlib
import sys
from typing import Annotated

import orjson
import typer

from streams.cli import BrokerOption, cli, configure_logging, out, require_broker
from streams.config import load_settings
from streams.core.geo.output import to_geojson
from streams.times import parse_time

Repeatable = list[str] | None


@cli.command("consume")
def consume_command(
    broker: BrokerOption = None,
    country: Annotated[Repeatable, typer.Option(help="Only articles about, or datelined in, this country: "
                                                "ISO code, alias (UK) or name (repeatable).")] = None,
    mentioned_only: Annotated[
        bool, typer.Option(help="--country matches tagged countries only, not the dateline's.")
    ] = False,
    place: Annotated[
        Repeatable, typer.Option(help="Only articles naming this place: name or GeoNames id (repeatable).")
    ] = None,
    entity: Annotated[Repeatable, typer.Option(help="Only articles with an entity containing this text.")] = None,
    since: Annotated[str | None,
        typer.Option(help="Start at records written at or after this time (ISO 8601).")] = None,
    group: Annotated[str | None, typer.Option(help="Consumer group: commits what it read, resumes there.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON Lines.")] = False,
    as_geojson: Annotated[bool, typer.Option(
        "--geojson", help="Print the places of the records read as one GeoJSON FeatureCollection when it stops "
        "(with --max or --idle-timeout, or at Ctrl-C).")] = False,
    from_beginning: Annotated[bool, typer.Option(help="Start at the oldest record instead of new ones.")] = False,
    dead_letters: Annotated[bool, typer.Option(help="Tail the dead-letter topic instead.")] = False,
    max_records: Annotated[int | None, typer.Option("--max", help="Stop after this many printed records.")] = None,
    idle_timeout: Annotated[float | None, typer.Option(help="Stop after this many seconds without a record.")] = None,
) -> None:
    """Tail the enriched topic, optionally filtered by country, place or entity."""
    from streams import client, kafka_io, render

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    if dead_letters:
        records = kafka_io.read_records(settings, settings.topic_deadletter, group=group,
                                        from_beginning=from_beginning, max_records=max_records,
                                        idle_timeout=idle_timeout)
        with contextlib.suppress(KeyboardInterrupt):
            for record in records:
                _write_json(record) if as_json else out.print(render.dead_letter_line(record), highlight=False)
        return
    articles = client.subscribe(settings, country=country, place=place, entity=entity, mentioned_only=mentioned_only,
                                since=parse_time(since, option="--since"), group=group,
                                from_beginning=from_beginning, max_records=max_records, idle_timeout=idle_timeout)
    collected: list[dict] = []
    with contextlib.suppress(KeyboardInterrupt):
        for article in articles:
            if as_geojson:
                collected.append(article.to_record())
            elif as_json:
                _write_json(article.to_record())
            else:
                render.print_article(out, article.to_record())
    if as_geojson:
        _write_json(to_geojson(collected))


def _write_json(record: dict) -> None:
    """One JSON line, as is: no markup, no wrapping."""
    sys.stdout.buffer.write(orjson.dumps(record) + b"\n")
    sys.stdout.flush()

"""`newsstream consume`: tail the enriched (or dead-letter) topic, filtered by country or entity."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer

from streams.cli import BrokerOption, cli, configure_logging, out, require_broker
from streams.config import load_settings


@cli.command("consume")
def consume_command(
    broker: BrokerOption = None,
    country: Annotated[
        list[str] | None, typer.Option(help="Only articles tagged with this ISO code (repeatable).")
    ] = None,
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
            if not dead_letters and not matches(record, countries, needles):
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


def matches(record: dict, countries: set[str], needles: list[str]) -> bool:
    """Tagged with one of ``countries`` (if any) and with an entity containing one of ``needles`` (if any)."""
    if countries and not countries & {c["code"] for c in record.get("countries", [])}:
        return False
    if needles:
        names = [e["text"].lower() for e in record.get("entities", [])]
        if not any(needle in name for needle in needles for name in names):
            return False
    return True

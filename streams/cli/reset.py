"""`newsstream reset`: move the worker group's offsets on the raw topic, to enrich records again (``streams.reset``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from streams.cli import BrokerOption, cli, configure_logging, out, require_broker
from streams.config import load_settings
from streams.times import parse_time


@cli.command("reset")
def reset_command(
    broker: BrokerOption = None,
    to_datetime: Annotated[str | None,
        typer.Option(help="The first record written at or after this time (ISO 8601).")] = None,
    to_offset: Annotated[int | None,
        typer.Option(help="This offset on every partition (kept within what exists).")] = None,
    to_earliest: Annotated[bool, typer.Option(help="The oldest record still on the topic.")] = False,
    execute: Annotated[bool, typer.Option(help="Apply the plan (default: only print it).")] = False,
    group: Annotated[str | None, typer.Option(help="Consumer group (default: the app id, NEWSSTREAM_APP_ID).")] = None,
) -> None:
    """Move the workers' committed offsets on the raw topic; a dry run unless --execute. Stop the workers first."""
    from streams import reset

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    group = group or settings.app_id
    target = reset.Target(to_datetime=parse_time(to_datetime, option="--to-datetime"), to_offset=to_offset,
                          to_earliest=to_earliest)
    moves = reset.plan(settings, target, group=group)
    out.print(_table(moves, group, settings.topic_raw))
    if not execute:
        members = reset.live_members(settings, group)
        alive = f"; the group has {len(members)} live member(s): stop them first" if members else ""
        out.print(f"dry run: nothing changed (--execute applies it){alive}", highlight=False)
        return
    reset.execute(settings, moves, group=group)
    out.print(f"moved group {group} on {len(moves)} partitions; {sum(m.to_enrich for m in moves)} records "
              "will be enriched when the workers start", highlight=False)


def _table(moves, group: str, topic: str) -> Table:
    table = Table(title=f"group {group} on {topic}", title_justify="left")
    for column in ("partition", "committed", "target", "end", "to enrich"):
        table.add_column(column, justify="right")
    for move in moves:
        committed = "-" if move.committed is None else str(move.committed)
        table.add_row(str(move.partition), committed, str(move.target), str(move.end), str(move.to_enrich))
    return table

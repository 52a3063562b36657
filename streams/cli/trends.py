"""`newsstream trends`: the current window's trend as a live terminal table, or as JSON."""

from __future__ import annotations

import sys
import time
from typing import Annotated
from urllib.parse import urlencode

import orjson
import typer

from streams.cli import BrokerOption, cli, configure_logging, err, out, require_broker
from streams.config import load_settings


@cli.command("trends")
def trends_command(
    broker: BrokerOption = None,
    window: Annotated[str | None,
        typer.Option(help="Window size, e.g. 15m (default: the smallest configured).")] = None,
    kind: Annotated[str, typer.Option(help="country, focus_country, place, entity or country_pair.")] = "country",
    top: Annotated[int, typer.Option(help="Rows to show.")] = 20,
    at: Annotated[str | None, typer.Option(help="A time (RFC 3339) in the window to show (default: now).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the window's record as JSON once and exit.")] = False,
    refresh: Annotated[float, typer.Option(help="Seconds between refreshes of the table.")] = 2.0,
) -> None:
    """Show the trend of the current window from the trends topic (counted by the workers)."""
    from rich.live import Live

    from streams import render
    from streams.trends_view import TrendsView

    settings = require_broker(load_settings(broker=broker))
    configure_logging("warning")
    view = TrendsView(settings)
    query = urlencode({name: value for name, value in (("window", window), ("kind", kind), ("top", top), ("at", at))
                       if value is not None})
    status, body = view.answer(query)
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(body) + b"\n")
        raise typer.Exit(0 if status.startswith("200") else 1)
    if status.startswith("400"):
        err.print(f"[red]{body['error']}[/red]")
        raise typer.Exit(2)
    try:
        with Live(render.trend_table(status, body), console=out, auto_refresh=False) as live:
            while True:
                time.sleep(refresh)
                live.update(render.trend_table(*view.answer(query)), refresh=True)
    except KeyboardInterrupt:
        pass

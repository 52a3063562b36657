"""`newsstream status`: one screen from the workers' /metrics."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from streams.cli import cli, out
from streams.config import load_settings


@cli.command("status")
def status_command(
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
              f"{sum(e.ready for e in up)} ready  "
              f"({', '.join(e.url + ('' if e.up else ' down') for e in result.endpoints)})")
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

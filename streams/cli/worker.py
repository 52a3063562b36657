"""`newsstream worker`: the long-running enrichment worker, one process or a supervisor of N."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from streams.cli import BrokerOption, cli, configure_logging, log
from streams.config import load_settings


@cli.command("worker")
def worker_command(
    broker: BrokerOption = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Port of /metrics, /healthz, /readyz (process i uses port + i).")
    ] = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning, error.")] = None,
    processes: Annotated[
        int, typer.Option("--processes", "-p", min=1, help="Worker processes in this group on this host.")
    ] = os.cpu_count() or 1,
) -> None:
    """Run the long-running enrichment worker (joins the consumer group, enriches until stopped).

    With --processes N (default: the number of cores), N processes join the same consumer group;
    more machines join by running the same command against the same cluster.
    """
    from streams.broker import EmbeddedBroker
    from streams.scrape_targets import write_targets
    from streams.supervisor import run_processes
    from streams.topics import ensure_topics
    from streams.worker import RESTARTS_VARIABLE, run_worker

    settings = load_settings(broker=broker, metrics_port=metrics_port, log_level=log_level)
    configure_logging(settings.log_level)
    with contextlib.ExitStack() as stack:
        if not settings.broker:
            embedded = stack.enter_context(EmbeddedBroker())
            settings = settings.model_copy(update={"broker": embedded.url})
            log.warning(
                "NEWSSTREAM_BROKER is not set: started an embedded in-memory broker; "
                "connect producers and consumers with NEWSSTREAM_BROKER=%s",
                embedded.url,
            )
        if processes == 1:
            if RESTARTS_VARIABLE not in os.environ:  # alone, not one of a supervisor's processes
                write_targets(settings, [settings.metrics_port] if settings.metrics_port else [])
            run_worker(settings)
        else:
            ensure_topics(settings)  # once, before the processes race to create them
            raise typer.Exit(run_processes(settings, processes))

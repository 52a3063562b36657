"""`newsstream broker`: only the embedded broker, until interrupted."""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from streams.cli import cli, configure_logging, out


@cli.command("broker")
def broker_command(
    port: Annotated[int, typer.Option(help="Port to listen on (0: a free one).")] = 9092,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run only the embedded in-memory Kafka-compatible broker, until interrupted."""
    from streams.broker import EmbeddedBroker

    configure_logging("info")
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # delivered to sigwait, not fatal
    with EmbeddedBroker(host=host, port=port or None) as embedded:
        out.print(f"broker listening: NEWSSTREAM_BROKER={embedded.url}")
        signal.sigwait(stop_signals)

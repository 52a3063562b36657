"""The newsstream command line: one thin module per command.

Each command parses its options into Settings and calls the module that does the work
(``streams.worker``, ``streams.demo``, ``streams.bench``...). This package holds the typer
app, the options and helpers the commands share, and ``main``, the console script.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from streams import __version__
from streams.config import Settings, describe_errors
from streams.errors import EXIT_CONFIG, ConfigError, NewsstreamError

log = logging.getLogger("streams")
cli = typer.Typer(
    name="newsstream",
    help="Enrich news articles flowing through Kafka with named entities and country tags.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() reports expected failures; a bug's plain traceback is enough
)
out = Console()
err = Console(stderr=True)

#: The sample articles: the top-level seeds/ folder, shipped in the package through a link.
REPO_SEEDS = Path(__file__).resolve().parent.parent / "seeds"

BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", "-b", help="Kafka bootstrap servers (default: $NEWSSTREAM_BROKER)."),
]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def require_broker(settings: Settings) -> Settings:
    if not settings.broker:
        raise ConfigError(
            "no broker configured: set NEWSSTREAM_BROKER (or --broker) to your cluster, or to the address "
            "that `newsstream worker` / `newsstream broker` logs for the embedded broker"
        )
    return settings


@cli.callback()
def _main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    if version:
        out.print(f"newsstream {__version__}")
        raise typer.Exit()


# the commands register themselves on `cli`, in the order `newsstream --help` lists them
from streams.cli import worker, broker, produce, consume, reset, enrich, demo, status, trends, bench  # noqa: E402, F401, I001


def main() -> None:
    """The console script: an expected failure is one line and its exit status (README: "Failures"),
    with the traceback only under NEWSSTREAM_LOG_LEVEL=debug; a bug keeps its traceback."""
    try:
        cli()
    except (NewsstreamError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and exc.title != Settings.__name__:
            raise  # a model's, not the settings': a bug, with its traceback
        if isinstance(exc, ValidationError):
            message, code = describe_errors(exc), EXIT_CONFIG
        else:
            message, code = str(exc), exc.exit_code
        err.print(f"newsstream: {message}", markup=False, highlight=False, soft_wrap=True)
        if os.environ.get("NEWSSTREAM_LOG_LEVEL", "").strip().lower() == "debug":
            traceback.print_exception(exc)
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(130)  # the shell's status for Ctrl-C; what was interrupted said so already

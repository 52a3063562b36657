"""A progress bar with rate for the batch commands (produce, enrich), and their one-line summary.

Shown only on a terminal, only for inputs of more than a few hundred records (a short run
would only flicker), never with ``--quiet``; piped output stays clean. When the total is
unknown (enrich reads a stream) the bar appears once that many records have gone by.
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

#: Records below which no bar is shown.
SHOW_FROM = 300


class RateColumn(ProgressColumn):
    """Records per second (rich's speed columns count bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} records/s" if task.speed else "", style="progress.data.speed")


class RecordProgress:
    """Counts records; draws a bar on ``console`` when it is worth it. Use as a context manager."""

    def __init__(self, console: Console, label: str, *, total: int | None = None, quiet: bool = False):
        self.console, self.label, self.total = console, label, total
        self.enabled = console.is_terminal and not quiet and (total is None or total > SHOW_FROM)
        self.count = 0
        self.started = time.monotonic()
        self._progress: Progress | None = None
        self._task = None

    def __enter__(self) -> RecordProgress:
        if self.enabled and self.total is not None:
            self._show()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    @property
    def showing(self) -> bool:
        return self._progress is not None

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def advance(self, records: int = 1) -> None:
        self.count += records
        if self._progress is None and self.enabled and self.count > SHOW_FROM:
            self._show()
        if self._progress is not None:
            self._progress.update(self._task, completed=self.count)

    def _show(self) -> None:
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()] if self.total else [
            TextColumn("{task.description}"), TextColumn("{task.completed:,} records")]
        self._progress = Progress(*columns, RateColumn(), TimeElapsedColumn(), console=self.console, transient=True)
        self._task = self._progress.add_task(self.label, total=self.total, completed=self.count)
        self._progress.start()

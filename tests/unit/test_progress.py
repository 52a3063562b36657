"""The batch commands' progress bar: on a terminal, for more than a few hundred records, never when quiet."""

from __future__ import annotations

import io

from rich.console import Console

from streams.progress import SHOW_FROM, RecordProgress


def console(terminal: bool) -> Console:
    return Console(file=io.StringIO(), force_terminal=terminal, width=100)


def run(target: Console, records: int, **options) -> RecordProgress:
    with RecordProgress(target, "producing", **options) as progress:
        for _ in range(records):
            progress.advance()
    return progress


def test_a_long_run_on_a_terminal_shows_a_bar_with_the_rate():
    target = console(terminal=True)
    progress = run(target, 400, total=400)
    assert progress.enabled and progress.count == 400
    assert "producing" in target.file.getvalue() and "records/s" in target.file.getvalue()


def test_short_piped_or_quiet_runs_show_nothing():
    for target, records, options in ((console(True), SHOW_FROM, {"total": SHOW_FROM}),
                                     (console(False), 1000, {"total": 1000}),
                                     (console(True), 1000, {"total": 1000, "quiet": True})):
        progress = run(target, records, **options)
        assert not target.file.getvalue() and progress.count == records


def test_an_unknown_total_shows_the_bar_once_enough_records_went_by():
    target = console(terminal=True)
    with RecordProgress(target, "enriching") as progress:
        progress.advance(SHOW_FROM)
        assert not progress.showing
        progress.advance(1)
        assert progress.showing

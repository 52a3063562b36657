"""Times typed on the command line (``--since``, ``--to-datetime``): ISO 8601, UTC when no zone is given."""

from __future__ import annotations

from datetime import UTC, datetime

from streams.errors import NewsstreamError


class BadTime(NewsstreamError, ValueError):
    """A time option that is not ISO 8601."""


def parse_time(text: str | None, *, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadTime(f"{option} {text!r} is not an ISO 8601 time (e.g. 2024-05-01T08:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

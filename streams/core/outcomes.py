"""What comes in (a record as consumed) and what goes out (outcomes, each naming its destination).

The core decides *where* every outcome goes (``Destination``); the shell maps each
destination to an output topic (``Settings.output_topics``) and a sender, so adding an
output is one destination here, one topic setting, and the code that produces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from streams import __version__
from streams.core.records import ErrorCode, SourceOffset, dead_letter


class Destination(StrEnum):
    """Where an outcome is published: one output topic each (``Settings.output_topics``)."""

    ENRICHED = "enriched"
    DEAD_LETTER = "deadletter"


@dataclass(frozen=True, slots=True)
class Incoming:
    """One record as consumed: its value bytes, key, where it came from, and its headers
    (carried onto its outputs: ``streams.core.headers``)."""

    value: bytes | None
    source: SourceOffset | None = None
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one incoming record, and where it goes.

    ``key`` is the output's own key (an enriched article's id); None keeps the input's key,
    so a dead letter lands beside the article's other records.
    """

    key: str | None
    record: dict[str, Any]
    error: ErrorCode | None = None
    destination: Destination = Destination.ENRICHED

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class BatchReport:
    """Outcomes in input order, seconds spent per stage and the NER cache's use (for the metrics):
    ``ner_cache`` holds paragraphs found (``hit``) and read (``miss``), and the cache's ``bytes``."""

    outcomes: list[Outcome]
    seconds: dict[str, float] = field(default_factory=dict)
    ner_cache: dict[str, int] = field(default_factory=dict)


def dead_outcome(
    item: Incoming,
    code: ErrorCode = ErrorCode.ENRICHMENT_FAILED,
    reason: str = "",
    *,
    max_payload_bytes: int | None = None,
) -> Outcome:
    """The dead letter of one incoming record, keeping its bytes, key and source offset.

    The one builder of dead-letter outcomes, for the core (bad input) and the shell
    (enrichment that raised, outputs the broker refused). ``max_payload_bytes`` cuts the
    payload (a record over the size limit; a replacement for a refused output).
    """
    record = dead_letter(
        item.value,
        code,
        reason,
        source=item.source,
        worker_version=__version__,
        key=item.key,
        max_payload_bytes=max_payload_bytes,
    )
    return Outcome(key=None, record=record, error=code, destination=Destination.DEAD_LETTER)

"""Batching: the one policy for how many records are enriched together, and the cutting rule under it.

``BatchPolicy`` is used by the worker's agent (records taken from Kafka), ``newsstream
enrich`` (lines read from a file) and the benchmark, so a change to batching is made here,
once. ``parts_by_size`` is the rule beneath it: consecutive parts within a budget, used for
record batches (bytes) and for the pieces of text in one ``nlp.pipe`` batch (characters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def parts_by_size(
    items: Iterable[T], size: Callable[[T], int], budget: int, *, max_items: int | None = None
) -> Iterator[list[T]]:
    """``items`` in order, as consecutive parts of at most ``budget`` in total ``size`` (and at
    most ``max_items`` items); an item larger than the budget is a part of its own."""
    part: list[T] = []
    total = 0
    for item in items:
        item_size = size(item)
        if part and (total + item_size > budget or (max_items is not None and len(part) >= max_items)):
            yield part
            part, total = [], 0
        part.append(item)
        total += item_size
    if part:
        yield part


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """How records are grouped for enrichment: at most ``size`` records, ``max_bytes`` of raw
    records, and (where records arrive over time) at most ``wait`` seconds to fill a batch.

    The byte budget exists because every record is copied several times on its way through:
    a batch of long articles is enriched in parts so those copies stay bounded.
    """

    size: int = 32
    wait: float = 0.2
    max_bytes: int = 2 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.size < 1 or self.max_bytes < 1 or self.wait < 0:
            raise ValueError(f"a batch needs size >= 1, max_bytes >= 1 and wait >= 0, not {self}")

    def batches(self, records: Iterable[T], size_of: Callable[[T], int]) -> Iterator[list[T]]:
        """Records in order (lines of a file, or a batch the agent took from Kafka, which is then
        cut into parts within ``max_bytes``) grouped into batches of this policy."""
        return parts_by_size(records, size_of, self.max_bytes, max_items=self.size)

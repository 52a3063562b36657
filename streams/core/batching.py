"""Cutting a sequence into consecutive parts by size: the one rule for batches with a budget.

Used for the pieces of text in one ``nlp.pipe`` batch (characters) and for the parts of a
record batch enriched together (bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def parts_by_size(
    items: Sequence[T], size: Callable[[T], int], budget: int, *, max_items: int | None = None
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

"""Consecutive parts by size: the budget, the count, the order."""

from __future__ import annotations

from streams.core.batching import parts_by_size


def test_a_batch_is_cut_into_consecutive_parts_within_the_byte_budget():
    sizes = [3, 3, 3, 9, 1, 1, 12, 2]
    parts = list(parts_by_size(sizes, lambda size: size, 8))
    assert parts == [[3, 3], [3], [9], [1, 1], [12], [2]]  # in order; an item over the budget alone
    assert [size for part in parts for size in part] == sizes
    assert list(parts_by_size([4, 4, 4, 4], lambda size: size, 8)) == [[4, 4], [4, 4]]
    assert list(parts_by_size([], len, 8)) == []

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


def test_the_batch_policy_bounds_records_and_bytes_alike_for_every_caller():
    from streams.config import load_settings
    from streams.core.batching import BatchPolicy

    policy = BatchPolicy(size=3, max_bytes=10)
    assert list(policy.batches([1] * 7, lambda size: size)) == [[1, 1, 1], [1, 1, 1], [1]]
    assert list(policy.batches(iter([6, 6, 2, 2, 20, 1]), lambda size: size)) == [[6], [6, 2, 2], [20], [1]]
    settings = load_settings(batch_size=5, batch_wait=0.5, batch_max_bytes=1000)
    assert settings.batch_policy() == BatchPolicy(size=5, wait=0.5, max_bytes=1000)


def test_a_batch_policy_that_could_never_fill_is_refused():
    import pytest

    from streams.core.batching import BatchPolicy

    for bad in ({"size": 0}, {"max_bytes": 0}, {"wait": -1}):
        with pytest.raises(ValueError, match="a batch needs"):
            BatchPolicy(**bad)

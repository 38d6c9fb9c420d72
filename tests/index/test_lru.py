"""index.lru.LRU against a brute-force model of least-recently-used eviction."""

from __future__ import annotations

import random

import pytest

from index.lru import LRU


def test_lru_keeps_the_most_recently_used_like_a_brute_force_list():
    rng = random.Random(7)
    lru: LRU[int, int] = LRU(5)
    order: list[int] = []  # keys, least recently used first
    values: dict[int, int] = {}
    for _ in range(2000):
        keys = [rng.randrange(12) for _ in range(rng.randrange(1, 4))]
        if rng.random() < 0.5:
            got = lru.get_many(keys)
            expected = {k: values[k] for k in keys if k in order}
            assert got == expected
            for k in keys:
                if k in order:
                    order.remove(k)
                    order.append(k)
        else:
            items = {k: rng.randrange(100) for k in keys}
            lru.put_many(items)
            for k, v in items.items():
                if k in order:
                    order.remove(k)
                order.append(k)
                values[k] = v
            del order[:max(0, len(order) - 5)]
        assert len(lru) == len(order)


def test_lru_validates_its_size():
    with pytest.raises(ValueError, match="LRU size must be >= 1, got 0"):
        LRU(0)

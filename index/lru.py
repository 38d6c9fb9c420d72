"""`LRU`: a thread-safe mapping of at most `size` items, least recently used dropped first,
read and written by batches. What `get_many` returned is the caller's: a later eviction
never takes it from a batch being answered. One for the per-process caches of model outputs
(the cross-encoder's logits, the quote scorer's sentence vectors, spaCy's entities)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, Iterable, Mapping, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"LRU size must be >= 1, got {size}")
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The stored values of those of `keys` that have one (each now most recently used)."""
        out: dict[K, V] = {}
        with self._lock:
            for k in keys:
                if k in self._data:
                    self._data.move_to_end(k)
                    out[k] = self._data[k]
        return out

    def put_many(self, items: Mapping[K, V]) -> None:
        with self._lock:
            for k, v in items.items():
                self._data[k] = v
                self._data.move_to_end(k)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


__all__ = ["LRU"]

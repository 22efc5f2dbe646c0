"""The per-process table of feed results shared by subscribers: see graphql_schema/direct_delivery.py."""

import itertools
from collections import OrderedDict
from collections.abc import Hashable


class SharedEventResults:
    """Encoded results by (event, subscription shape). Subscribers take an event within moments of
    each other, and in order, so the oldest entry is the one to drop."""

    def __init__(self, max_entries: int = 20_000, max_shapes: int = 10_000) -> None:
        self._results: OrderedDict[tuple[int, int, int], str] = OrderedDict()
        self._max_entries = max_entries
        self._shapes: OrderedDict[Hashable, int] = OrderedDict()
        self._max_shapes = max_shapes
        self._shape_ids = itertools.count(1)

    def shape_id(self, shape: Hashable) -> int:
        """A small number for a shape, so a lookup hashes three ints rather than the shape.
        Numbers are never reused: a forgotten shape comes back with a new one."""
        found = self._shapes.get(shape)
        if found is None:
            if len(self._shapes) >= self._max_shapes:
                self._shapes.popitem(last=False)
            found = self._shapes[shape] = next(self._shape_ids)
        return found

    def get(self, key: tuple[int, int, int]) -> str | None:
        return self._results.get(key)

    def put(self, key: tuple[int, int, int], payload: str) -> None:
        if len(self._results) >= self._max_entries:
            self._results.popitem(last=False)
        self._results[key] = payload

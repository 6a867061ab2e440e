"""Weighted choices with the cumulative weights summed once.

random.choices re-sums its weights on every call; at a few million draws per seed that is a
noticeable share of the run.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class Weighted(Generic[T]):
    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        items, weights = zip(*pairs, strict=True)
        self.items: tuple[T, ...] = items
        self._cumulative = tuple(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.items, cum_weights=self._cumulative)[0]

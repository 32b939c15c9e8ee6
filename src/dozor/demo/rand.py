"""A seeded random source with cheap helpers (``random.Random.choice`` is slow in hot loops)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Rng(random.Random):
    """``random.Random`` plus ``pick``, ``below`` and ``between`` built on ``random()`` alone."""

    def pick(self, seq: Sequence[T]) -> T:
        """A uniformly chosen element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def below(self, n: int) -> int:
        """A uniform integer in ``[0, n)``."""
        return int(self.random() * n)

    def between(self, a: int, b: int) -> int:
        """A uniform integer in ``[a, b]``."""
        return a + int(self.random() * (b - a + 1))

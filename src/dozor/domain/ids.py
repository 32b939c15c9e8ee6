"""Object identifiers: UUIDv7 (time-ordered, minted by the origin node, never re-keyed)."""

from __future__ import annotations

import os
import time

_VERSION_AND_VARIANT = (0x7 << 76) | (0b10 << 62)
_RAND_A_MASK = 0xFFF << 64
_RAND_B_MASK = (1 << 62) - 1


def uuid7() -> str:
    """A new RFC 9562 UUIDv7 as a string: 48-bit Unix ms timestamp, then random bits.

    Formatted by hand: imports mint one per row, and ``uuid.UUID`` costs twice as much.
    """
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        ((time.time_ns() // 1_000_000) & 0xFFFF_FFFF_FFFF) << 80
        | _VERSION_AND_VARIANT
        | (rand & _RAND_A_MASK)
        | (rand & _RAND_B_MASK)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

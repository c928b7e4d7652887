"""Spinal root levels and body sides: the vocabulary every other anatomy module shares."""

from __future__ import annotations

from typing import Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, ...] = ("left", "right")

LEVELS: tuple[str, ...] = (
    *(f"C{n}" for n in range(1, 9)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    *(f"S{n}" for n in range(1, 6)),
)

# Gunn needles the paraspinal muscles of the involved segment; C1 has no practical
# paraspinal site and below S2 the sacrum has no muscle bulk worth needling.
PARASPINAL_LEVELS: tuple[str, ...] = LEVELS[LEVELS.index("C2") : LEVELS.index("S2") + 1]

_LEVEL_INDEX = {level: index for index, level in enumerate(LEVELS)}


def level_index(level: str) -> int:
    """Cranio-caudal position of a level; raises ValueError for anything else."""
    try:
        return _LEVEL_INDEX[level]
    except KeyError:
        raise ValueError(f"{level!r} is not a spinal level (expected one of C1..S5)") from None


def is_level(value: object) -> bool:
    return isinstance(value, str) and value in _LEVEL_INDEX


def are_adjacent(first: str, second: str) -> bool:
    return abs(level_index(first) - level_index(second)) == 1


def sort_levels(levels: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(sorted(levels, key=level_index))


def level_range(first: str, last: str) -> tuple[str, ...]:
    """Inclusive run of levels, e.g. level_range("C5", "C7") == ("C5", "C6", "C7")."""
    return LEVELS[level_index(first) : level_index(last) + 1]

"""Muscle-name normalisation shared by the loader (uniqueness) and the catalog (lookup)."""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_name(text: str) -> str:
    """Fold case and drop spaces, hyphens, underscores and punctuation.

    "Peroneus-Longus", "peroneus_longus" and "Peroneus longus" all become
    "peroneuslongus", so users can type names the way they say them.
    """
    return _NOT_ALNUM.sub("", text.lower())


def words(text: str) -> list[str]:
    return [word for word in re.split(r"[^a-z0-9]+", text.lower()) if word]

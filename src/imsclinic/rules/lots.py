"""Needle lot numbers as a recall matches them: framework-free, shared by the session write
path (charting), the bulk generator, the data migration and the recall itself.

A lot is charted by hand from the pack, so the same lot arrives spelled many ways:
``LOT-2026-11``, ``lot 202611``, ``Lot: 2026/11``, full-width digits typed on a phone. The
*lot key* is what a recall compares:

1. Unicode NFKC, so full-width and other compatibility forms become their plain letters
   and digits (full-width digits -> 0-9);
2. upper case;
3. every character that is not an ASCII letter A-Z or digit 0-9 is dropped: spaces,
   hyphens, dots, slashes, underscores, ``#``, ``:``, and also letters outside A-Z
   (``É``), which no manufacturer's lot code uses;
4. a leading ``LOT`` is dropped when something follows it: it is the label printed
   beside the code (the ISO 15223-1 "batch code" symbol reads LOT), not part of it.
   ``LOT-2026-11``, ``lot 202611`` and ``202611`` all have the key ``202611``.

Dropping characters can only join spellings, never split them, so a recall over-includes
rather than misses: for a code that really starts with LOT (``LOTUS7``) the key is ``US7``,
which also matches ``US7`` charted alone. The recall says for each row whether the charted
text equals what was searched (``exact``, ignoring surrounding spaces) or matched only
through the key (``normalized``), so a person can judge the over-included rows.
"""

from __future__ import annotations

import re
import unicodedata

KEY_MAX_LENGTH = 64
_NOT_KEY = re.compile(r"[^A-Z0-9]+")
_LABEL = "LOT"


def lot_key(text: str) -> str:
    """The recall key of a charted or searched lot number ('' when nothing is left)."""
    key = _NOT_KEY.sub("", unicodedata.normalize("NFKC", text).upper())
    if key.startswith(_LABEL) and len(key) > len(_LABEL):
        key = key[len(_LABEL) :]
    return key[:KEY_MAX_LENGTH]


def match_kind(charted: str, searched: str) -> str:
    """``exact`` when the charted text is the searched text (surrounding spaces aside),
    else ``normalized`` (equal keys only)."""
    return "exact" if charted.strip() == searched.strip() else "normalized"

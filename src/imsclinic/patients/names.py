"""Search keys for names and health numbers (no Django): what is stored in the indexed
columns and what a query is turned into, so "nunez" finds "Ñúñez-O'Brien", "obrien" finds
"O'Brien", and a health number matches with or without its separators.

Migration patients/0006 carries a frozen copy of these two functions (migrations import
no application code); change both together, with a migration refilling the columns.
"""

from __future__ import annotations

import unicodedata

# Marks inside a name that people type or leave out: apostrophes of every kind.
# ' and its typographic kin: right and left single quotation marks, modifier letter
# apostrophe, grave and acute accents typed as apostrophes.
_DROPPED = frozenset("'\u2019\u2018\u02bc`\u00b4")


def search_key(text: str) -> str:
    """Lower-case, accents removed, apostrophes dropped, every other non-alphanumeric
    character a single space: "Ñúñez-O'Brien Ana" -> "nunez obrien ana"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) or ch in _DROPPED:
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).split())


def health_number_key(text: str) -> str:
    """Letters and digits only, upper case: "9876-543 21" -> "987654321"."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()).upper()

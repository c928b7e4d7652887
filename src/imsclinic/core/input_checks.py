"""Checks every input from outside passes before it reaches a query, whatever the interface.

- **NUL characters.** PostgreSQL cannot store U+0000 in text and SQLite would store it
  silently, so no string input may hold one. The check walks the parsed input (JSON body,
  form post, query parameters) and names each field that holds one, in the dotted path
  the rest of the validation uses (``insertions.2.notes``), so pages and the API report
  it like any other field problem.
- **Row ids.** Ids are 64-bit signed integers in both databases; a larger number from
  outside is not an id of anything. Compare before querying: the drivers raise on
  integers they cannot bind (a server error), where "not found" is the truth.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import Field

from imsclinic.core.errors import FieldProblem

NUL = "\x00"
MAX_ID = 2**63 - 1

# An id field of an input schema: 1 .. 2**63 - 1, so the OpenAPI document says so and a
# larger number is a 422 naming the field instead of a driver error.
RowId = Annotated[int, Field(ge=1, le=MAX_ID, description="A record id (1 to 2^63 - 1)")]


def is_row_id(value: int) -> bool:
    return 1 <= value <= MAX_ID


def nul_message(field: str) -> str:
    return (
        f"'{field}' contains a NUL character (\\u0000), which cannot be stored: "
        "remove it and send again."
    )


def _walk(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            here = f"{path}.{name}" if path else name
            if NUL in name:
                yield here
            else:
                yield from _walk(item, here)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}" if path else str(index))


def nul_fields(data: Any, root: str = "") -> list[str]:
    """The dotted paths of every string (or key) in ``data`` that holds a NUL character."""
    return list(_walk(data, root))


def nul_problems(data: Any, root: str = "") -> list[FieldProblem]:
    return [
        FieldProblem(field or "body", "nul_character", nul_message(field or "body"))
        for field in nul_fields(data, root)
    ]

"""A small hand-written schema checker for the anatomy data files.

Every problem names the file, the row (id and index) and the field, so a clinician
editing the JSON can find the mistake without reading Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# A check returns a problem description, or None when the value is acceptable.
Check = Callable[[Any], str | None]

_MISSING = object()


class CatalogDataError(ValueError):
    """A data file is malformed; `problems` lists every defect found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n  ".join(self.problems[:20])
        more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"Invalid anatomy data ({len(self.problems)} problems):\n  {shown}{more}")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "str", "bool", "int", "str_list", "object"
    required: bool = True
    default: Any = None
    nullable: bool = False
    check: Check | None = None  # applied to the whole value (or to each item of a list)


def _type_problem(kind: str, value: Any) -> str | None:
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            return f"expected a non-empty string, got {value!r}"
    elif kind == "bool":
        if not isinstance(value, bool):
            return f"expected true or false, got {value!r}"
    elif kind == "int":
        # bool is an int in Python; a depth of `true` is a typo, not a number.
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer, got {value!r}"
    elif kind == "object":
        if not isinstance(value, Mapping):
            return f"expected an object, got {value!r}"
    elif kind == "str_list":
        if not isinstance(value, list):
            return f"expected a list of strings, got {value!r}"
        for item in value:
            if not isinstance(item, str) or not item.strip():
                return f"expected a list of non-empty strings, found item {item!r}"
    else:  # pragma: no cover - programming error in a schema definition
        raise AssertionError(f"unknown field kind {kind}")
    return None


def row_label(row: Any, index: int, id_field: str) -> str:
    if isinstance(row, Mapping) and isinstance(row.get(id_field), str):
        return f"{row[id_field]!r} (index {index})"
    return f"index {index}"


def validate_rows(
    file_name: str,
    rows: Any,
    fields: Sequence[Field],
    id_field: str,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Check each row against `fields`; return normalised rows and problems found.

    Optional fields are filled with their defaults so later code can index freely.
    """
    problems: list[str] = []
    clean: list[dict[str, Any]] = []
    if not isinstance(rows, list):
        return [], [f"{file_name}: expected a list of rows, got {type(rows).__name__}"]
    known = {field.name for field in fields}
    for index, row in enumerate(rows):
        label = row_label(row, index, id_field)
        if not isinstance(row, Mapping):
            problems.append(f"{file_name}: row {label}: expected an object")
            continue
        row_problems: list[str] = []
        values: dict[str, Any] = {}
        for key in sorted(set(row) - known):
            row_problems.append(f"{file_name}: row {label}, field '{key}': unknown field")
        for field in fields:
            value = row.get(field.name, _MISSING)
            if value is _MISSING:
                if field.required:
                    row_problems.append(f"{file_name}: row {label}, field '{field.name}': missing")
                    continue
                value = field.default
                values[field.name] = list(value) if isinstance(value, list) else value
                continue
            if value is None and field.nullable:
                values[field.name] = None
                continue
            problem = _type_problem(field.kind, value)
            if problem is None and field.check is not None:
                items = value if field.kind == "str_list" else [value]
                for item in items:
                    problem = field.check(item)
                    if problem:
                        break
            if problem:
                row_problems.append(f"{file_name}: row {label}, field '{field.name}': {problem}")
                continue
            values[field.name] = value
        problems.extend(row_problems)
        if not row_problems:
            clean.append(values)
    return clean, problems


def one_of(allowed: Sequence[str] | Mapping[str, Any], what: str) -> Check:
    def check(value: Any) -> str | None:
        if value not in allowed:
            return f"{value!r} is not a known {what}"
        return None

    return check

"""Loading licensed item wording supplied by a clinic.

The project ships no copyrighted item text (see ``Measure.licence``). A clinic that holds a
licence exports the wording into a JSON file, ``{"items": ["...", "..."]}``, in form order,
and points IMS Clinic at it. The file is checked strictly because a shifted or short list
would put the wrong question beside a patient's answer.
"""

from __future__ import annotations

import json
from pathlib import Path

from imsclinic.measures.definitions import get_measure
from imsclinic.measures.errors import WordingFileError


def load_item_wording(code: str, path: str | Path) -> tuple[str, ...]:
    """Read and validate a clinic-supplied wording file for ``code``.

    Raises :class:`WordingFileError` naming the file and the problem (missing, unreadable,
    not JSON, wrong shape, wrong item count, blank item), and :class:`UnknownMeasure` for an
    unknown code.
    """
    measure = get_measure(code)
    file = Path(path)
    if isinstance(measure.item_count, range):
        raise WordingFileError(
            file,
            f"{measure.abbreviation} activities are named by each patient; "
            "there is no fixed item wording to load",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WordingFileError(file, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WordingFileError(file, f"cannot be read ({exc})") from None
    return parse_item_wording(code, text, file)


def parse_item_wording(code: str, text: str, source: str | Path = "upload") -> tuple[str, ...]:
    """Validate wording given as JSON text (a file's content, or an admin's upload in the
    app): ``{"items": ["...", ...]}`` in form order, one non-empty text per item.
    ``source`` names where it came from in the error."""
    measure = get_measure(code)
    file = Path(source)
    if isinstance(measure.item_count, range):
        raise WordingFileError(
            file,
            f"{measure.abbreviation} activities are named by each patient; "
            "there is no fixed item wording to load",
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WordingFileError(
            file, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict) or "items" not in data:
        raise WordingFileError(file, 'expected a JSON object with an "items" list')
    items = data["items"]
    if not isinstance(items, list):
        raise WordingFileError(file, f'"items" must be a list; got {type(items).__name__}')
    if len(items) != measure.item_count:
        raise WordingFileError(
            file,
            f"{measure.abbreviation} has {measure.item_count} items; the file has {len(items)}",
        )
    for number, item in enumerate(items, start=1):
        if not isinstance(item, str) or not item.strip():
            raise WordingFileError(file, f"item {number} must be non-empty text; got {item!r}")
    return tuple(item.strip() for item in items)

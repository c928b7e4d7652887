"""CSV files that a clinic opens in a spreadsheet: no cell may run as a formula.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some programs skip before reading one) is a formula to Excel, LibreOffice and Google
Sheets, so text a person typed (a patient's or payer's name, an audit detail) could run
``=HYPERLINK(...)`` on the admin's machine (OWASP, "CSV Injection"). Every CSV the app
writes goes through :func:`csv_writer`, which prefixes such a cell with an apostrophe.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number ("-12.50", a credit or a change in score) is data, not a formula.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text[:1] in _FORMULA_STARTS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """``csv.writer`` whose every cell passes through :func:`safe_cell`."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **options)

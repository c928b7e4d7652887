"""Seals: content hashes of signed notes and amendments, recorded in the hash-chained audit
trail so that rewriting a note *and* its stored hash still shows.

A signed note keeps ``content_hash`` (SHA-256 of its canonical content, see
charting/integrity.py) beside its rows; anyone able to change the rows could recompute
that too. The ``sign`` event that records the signature therefore carries the same hash
in its ``detail`` (``sha256=<hex>``), and every ``amend`` event carries the hash of the
amendment it records (``amendment <id> sha256=<hex>``). Those fields are covered by the
audit row hashes, so changing a sealed hash means rewriting the chain from that row on,
which ``imsclinic audit verify`` reports and off-site anchors expose (docs/audit.md).

Read paths compare a note with its seal in one query per patient (or per note), through
a partial index on sign and amend events. ``imsclinic audit verify`` compares every note
and amendment of a clinic with the seals it met while walking the chain, through the
checkers the owning apps register here (core imports no app above it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection

from imsclinic.core.rawsql import quote

SIGN = "sign"
AMEND = "amend"
_SEAL = re.compile(r"sha256=([0-9a-f]{64})")
_AMENDMENT = re.compile(r"^amendment (\d+)")


def sign_detail(digest: str) -> str:
    return f"sha256={digest}"


def amend_detail(amendment_id: int, digest: str) -> str:
    return f"amendment {amendment_id} sha256={digest}"


def sealed_digest(detail: str) -> str | None:
    """The hash a sign or amend event seals, or None for an event recorded before seals
    (such a note is checked against its own stored hash only)."""
    match = _SEAL.search(detail or "")
    return match.group(1) if match else None


@dataclass
class Seals:
    """The sign and amend events of a patient (or a clinic), by what they record.

    ``signs[(object_type, object_id)]``: the sealed hashes of that note's sign events
    (None for an event from before seals); ``amendments[amendment_id]``: likewise for the
    amend events; ``amended[amendment_id]``: the note ``(object_type, object_id)`` the
    amend event names."""

    signs: dict[tuple[str, int], list[str | None]] = field(
        default_factory=lambda: defaultdict(list)
    )
    amendments: dict[int, list[str | None]] = field(default_factory=lambda: defaultdict(list))
    amended: dict[int, tuple[str, int]] = field(default_factory=dict)

    def add(self, action: str, object_type: str, object_id: int | None, detail: str) -> None:
        if object_id is None:
            return
        if action == SIGN:
            self.signs[(object_type, object_id)].append(sealed_digest(detail))
        elif action == AMEND:
            match = _AMENDMENT.match(detail or "")
            if match:
                amendment_id = int(match.group(1))
                self.amendments[amendment_id].append(sealed_digest(detail))
                self.amended[amendment_id] = (object_type, object_id)


def seals_of(
    clinic_id: int, patient_id: int, object_type: str = "", object_id: int | None = None
) -> Seals:
    """The sign and amend events of one patient (optionally of one note), in one query.

    Literal action values, not parameters: the query must imply the partial index's
    predicate (``audit_seals``) for SQLite's planner to use it."""
    table = quote("core_auditevent")
    where = "clinic_id = %s AND patient_id = %s AND action IN ('sign', 'amend')"
    params: list[int | str] = [clinic_id, patient_id]
    if object_id is not None:
        where += " AND object_type = %s AND object_id = %s"
        params += [object_type, object_id]
    seals = Seals()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT action, object_type, object_id, detail FROM {table} "  # noqa: S608
            f"WHERE {where}",
            params,
        )
        for action, kind, pk, detail in cursor.fetchall():
            seals.add(action, kind, pk, detail)
    return seals


@dataclass(frozen=True)
class SealProblem:
    kind: str  # altered | deleted | inserted
    message: str


# (clinic_id, seals met in its verified chain) -> problems. Registered by the apps that own
# sealed records (charting, in its AppConfig.ready).
SealChecker = Callable[[int, Seals], Iterable[SealProblem]]
_CHECKERS: list[SealChecker] = []


def register_checker(checker: SealChecker) -> None:
    if checker not in _CHECKERS:
        _CHECKERS.append(checker)


def check_clinic(clinic_id: int, seals: Seals) -> list[SealProblem]:
    return [problem for checker in _CHECKERS for problem in checker(clinic_id, seals)]

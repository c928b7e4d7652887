"""Fill ``charting_insertion.needle_lot_key`` for rows written before the key existed (the
charting migration 0007), or after a writer that bypassed the write path.

Signed notes' child rows are read-only in the database (security/db_guards.py), and most
insertions belong to signed sessions, so a plain UPDATE is refused. The key is derived
data outside the signed content (charting/integrity.py hashes ``needle_lot``, not its
key), so this one writer may set it, and only like this:

- inside one transaction, the signed-note guard triggers are dropped, the keys written,
  and the guards created again before the commit. On PostgreSQL ``DROP TRIGGER`` holds an
  ACCESS EXCLUSIVE lock on each guarded table until the commit, so no other transaction
  ever reads or writes those tables unguarded; on SQLite the write transaction excludes
  every other writer. If anything fails, the rollback restores the guards with the rest.
- only ``needle_lot_key`` changes (``updated_at`` is left alone: the clinical row did not
  change), in one set-based UPDATE joined to a temporary table of (lot, key) pairs, one
  per distinct charted lot, so a million-row table is read once, not once per lot.

Raw SQL throughout: a migration must not depend on today's models.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from imsclinic.safety.lots import lot_key
from imsclinic.security.db_guards import (
    drop_signed_note_guards,
    install_signed_note_guards,
    installed_guard_names,
)

TABLE = "charting_insertion"
_PAIRS = "imsclinic_lot_key_pairs"


def _guarded(connection: Any) -> bool:
    return any(name.startswith(f"{TABLE}_") for name in installed_guard_names(connection))


def rekey_insertions(connection: Any) -> int:
    """Give every insertion the key of its charted lot; returns how many distinct lots
    needed a new key (0: nothing written, guards untouched)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT needle_lot, needle_lot_key FROM {TABLE}")  # noqa: S608
        wrong = {lot: lot_key(lot) for lot, key in cursor.fetchall() if lot_key(lot) != key}
        if not wrong:
            return 0
        guarded = _guarded(connection)
        if guarded:
            drop_signed_note_guards(connection)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_PAIRS} (lot varchar(40) PRIMARY KEY, lot_key varchar(64))"
        )
        insert = f"INSERT INTO {_PAIRS} (lot, lot_key) VALUES (%s, %s)"  # noqa: S608
        cursor.executemany(insert, list(wrong.items()))
        cursor.execute(
            f"UPDATE {TABLE} SET needle_lot_key = k.lot_key FROM {_PAIRS} k "  # noqa: S608
            f"WHERE k.lot = {TABLE}.needle_lot AND {TABLE}.needle_lot_key <> k.lot_key"
        )
        cursor.execute(f"DROP TABLE {_PAIRS}")
        if guarded:
            install_signed_note_guards(connection)
    return len(wrong)

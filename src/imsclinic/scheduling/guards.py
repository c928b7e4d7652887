"""The database's own guard against double booking, below every writer.

PostgreSQL: an exclusion constraint: no two rows of one practitioner whose
``[starts_at, ends_at)`` ranges overlap while both hold time (booked, arrived,
completed). The practitioner is compared as a one-point ``int8range`` with ``&&`` so the
constraint needs only built-in GiST support (no btree_gist extension, no superuser).

SQLite: BEFORE INSERT/UPDATE triggers that abort the same overlap. SQLite has one writer
at a time, so a trigger that looks before writing cannot race.

The actions check first (under a per-practitioner lock) to name the conflict; these catch
any writer that does not, and the actions translate their error into the same 409.
"""

from __future__ import annotations

from typing import Any

from imsclinic.scheduling.models import HOLDS_TIME, MAX_MINUTES

CONSTRAINT = "appointment_no_overlap"
TABLE = "scheduling_appointment"
_HOLDING = ", ".join(f"'{status}'" for status in HOLDS_TIME)

PG_CONSTRAINT = (
    f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
    "int8range(practitioner_id, practitioner_id, '[]') WITH &&, "
    "tstzrange(starts_at, ends_at, '[)') WITH &&"
    f") WHERE (status IN ({_HOLDING}))"
)
PG_DROP = f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}"


def _sqlite_trigger(event: str) -> str:
    same_row = " AND a.id <> NEW.id" if event == "UPDATE" else ""
    # Timestamps are ISO text in UTC, so text comparison orders them; the look-back bound
    # lets the (practitioner_id, starts_at) index serve the search.
    return (
        f"CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_{event.lower()} "  # noqa: S608 - constants only
        f"BEFORE {event} ON {TABLE} "
        f"WHEN NEW.status IN ({_HOLDING}) AND EXISTS ("
        f"SELECT 1 FROM {TABLE} a WHERE a.practitioner_id = NEW.practitioner_id{same_row} "
        f"AND a.status IN ({_HOLDING}) AND a.starts_at < NEW.ends_at AND a.ends_at > NEW.starts_at "
        f"AND a.starts_at >= datetime(NEW.starts_at, '-{MAX_MINUTES} minutes')) "
        f"BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}: the practitioner already has an "
        "appointment at that time'); END"
    )


SQLITE_TRIGGERS = {
    f"{CONSTRAINT}_{event.lower()}": _sqlite_trigger(event) for event in ("INSERT", "UPDATE")
}


def install_overlap_guard(connection: Any) -> None:
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT 1 FROM pg_constraint WHERE conname = %s AND conrelid = %s::regclass",
                [CONSTRAINT, TABLE],
            )
            if cursor.fetchone() is None:
                cursor.execute(PG_CONSTRAINT)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS.values():
                cursor.execute(statement)


def remove_overlap_guard(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def is_overlap_error(error: BaseException) -> bool:
    return CONSTRAINT in str(error)

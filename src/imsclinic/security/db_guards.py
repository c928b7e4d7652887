"""Database-level guards: the audit table is append-only, signed notes are read-only and
amendments are permanent, even for code (or a person with a SQL prompt) that bypasses the
actions.

Both databases (PL/pgSQL trigger functions on PostgreSQL, ``RAISE(ABORT)`` triggers on
SQLite) refuse:

- UPDATE or DELETE of a signed assessment or session;
- INSERT, UPDATE or DELETE of a child row (findings, signs, range of motion, insertions,
  adverse events) whose note is signed;
- UPDATE or DELETE of an amendment, and an amendment INSERT whose note is not signed.

PostgreSQL also refuses UPDATE and DELETE of audit rows; on SQLite the audit table relies
on its hash chain (docs/audit.md). ``TRUNCATE`` and the table owner's ``DISABLE TRIGGER``
are out of reach of row triggers, and on SQLite whoever can write the file can drop a
trigger: the application role should not own the tables, and the content hashes chained
into the audit trail (charting/integrity.py) expose what a trigger cannot stop.

Django's test flush empties SQLite tables with DELETE; the test suite lifts these guards
for the flush only and re-installs them (tests/conftest.py). Nothing in the application
deletes a signed note, its children or an amendment.
"""

from __future__ import annotations

from typing import Any

from imsclinic.charting.models import signed_note_children

SIGNED_PARENTS = ("charting_assessment", "charting_treatmentsession")
# (child table, foreign-key column, parent table): declared by charting, from its models'
# foreign keys (charting.models.signed_note_children), so a new child table is guarded.
SIGNED_CHILDREN = signed_note_children()
# (amendment table, its foreign keys to notes, and the note table of each)
AMENDMENTS = (
    "charting_amendment",
    (("session_id", "charting_treatmentsession"), ("assessment_id", "charting_assessment")),
)
SIGNED_MESSAGE = "signed note is read-only: add an amendment instead"
AMENDMENT_MESSAGE = "amendments are permanent and only follow a signed note"
AUDIT_MESSAGE = "core_auditevent is append-only"

_PG_AUDIT = """
CREATE OR REPLACE FUNCTION imsclinic_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'core_auditevent is append-only: % refused', TG_OP;
END $$;
DROP TRIGGER IF EXISTS auditevent_append_only ON core_auditevent;
CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
  FOR EACH ROW EXECUTE FUNCTION imsclinic_audit_append_only();
"""

_PG_SIGNED_FUNCTIONS = """
CREATE OR REPLACE FUNCTION imsclinic_signed_note_readonly() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION 'signed note is read-only: add an amendment instead (% %.id=%)',
      TG_OP, TG_TABLE_NAME, OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

"""

# One function per child table, with static SQL: PL/pgSQL caches its plan. A shared
# function taking the table names as arguments had to build each check with EXECUTE
# format(...), planned afresh for every row: ~0.09 ms per inserted row, 1.4 ms of a
# 15-insertion session write (EXPLAIN ANALYZE, docs/benchmarks.md).
_PG_CHILD_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND EXISTS (
      SELECT 1 FROM {parent} WHERE id = OLD.{fk} AND signed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'signed note is read-only: add an amendment instead (% on %)',
      TG_OP, TG_TABLE_NAME;
  END IF;
  IF TG_OP <> 'DELETE' AND EXISTS (
      SELECT 1 FROM {parent} WHERE id = NEW.{fk} AND signed_at IS NOT NULL) THEN
    RAISE EXCEPTION 'signed note is read-only: add an amendment instead (% on %)',
      TG_OP, TG_TABLE_NAME;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$
"""


_PG_AMENDMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION imsclinic_amendment_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  signed boolean;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'amendments are permanent and only follow a signed note (% %.id=%)',
      TG_OP, TG_TABLE_NAME, OLD.id;
  END IF;
  IF NEW.session_id IS NOT NULL THEN
    SELECT signed_at IS NOT NULL INTO signed FROM charting_treatmentsession
      WHERE id = NEW.session_id;
  ELSE
    SELECT signed_at IS NOT NULL INTO signed FROM charting_assessment
      WHERE id = NEW.assessment_id;
  END IF;
  IF signed IS NOT TRUE THEN
    RAISE EXCEPTION 'amendments are permanent and only follow a signed note (INSERT on %)',
      TG_TABLE_NAME;
  END IF;
  RETURN NEW;
END $$;
"""


def _pg_signed_statements() -> list[str]:
    statements = [_PG_SIGNED_FUNCTIONS]
    for table in SIGNED_PARENTS:
        name = f"{table}_signed_readonly"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION imsclinic_signed_note_readonly()"
        )
    for table, fk, parent in SIGNED_CHILDREN:
        name = f"{table}_{fk}_signed_readonly"
        function = f"imsclinic_{name}"
        statements.append(_PG_CHILD_FUNCTION.format(function=function, parent=parent, fk=fk))
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    # The shared, dynamic-SQL function the triggers used before (no trigger uses it now).
    statements.append("DROP FUNCTION IF EXISTS imsclinic_signed_child_readonly()")
    amendments = AMENDMENTS[0]
    statements.append(_PG_AMENDMENT_FUNCTION)
    statements.append(f"DROP TRIGGER IF EXISTS {amendments}_guard ON {amendments}")
    statements.append(
        f"CREATE TRIGGER {amendments}_guard BEFORE INSERT OR UPDATE OR DELETE ON {amendments} "
        "FOR EACH ROW EXECUTE FUNCTION imsclinic_amendment_guard()"
    )
    return statements


def _raise(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _sqlite_signed_statements() -> list[str]:
    statements = []
    for table in SIGNED_PARENTS:
        for operation in ("UPDATE", "DELETE"):
            name = f"{table}_signed_readonly" if operation == "UPDATE" else f"{table}_signed_delete"
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON {table} "
                f"FOR EACH ROW WHEN OLD.signed_at IS NOT NULL {_raise(SIGNED_MESSAGE)}"
            )
    for table, fk, parent in SIGNED_CHILDREN:
        signed = "(SELECT signed_at FROM {parent} WHERE id = {row}.{fk}) IS NOT NULL"
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_{fk}_signed_insert BEFORE INSERT ON {table} "
            f"FOR EACH ROW WHEN {signed.format(parent=parent, row='NEW', fk=fk)} "
            f"BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_{fk}_signed_update BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN {signed.format(parent=parent, row='OLD', fk=fk)} "
            f"OR {signed.format(parent=parent, row='NEW', fk=fk)} "
            f"BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
        )
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_{fk}_signed_delete BEFORE DELETE ON {table} "
            f"FOR EACH ROW WHEN {signed.format(parent=parent, row='OLD', fk=fk)} "
            f"{_raise(SIGNED_MESSAGE)}"
        )
    amendments, notes = AMENDMENTS
    unsigned = " AND ".join(
        f"(NEW.{fk} IS NULL OR (SELECT signed_at FROM {parent} WHERE id = NEW.{fk}) IS NULL)"  # noqa: S608
        for fk, parent in notes
    )
    statements += [
        f"CREATE TRIGGER IF NOT EXISTS {amendments}_insert BEFORE INSERT ON {amendments} "
        f"FOR EACH ROW WHEN {unsigned} {_raise(AMENDMENT_MESSAGE)}",
        f"CREATE TRIGGER IF NOT EXISTS {amendments}_update BEFORE UPDATE ON {amendments} "
        f"FOR EACH ROW {_raise(AMENDMENT_MESSAGE)}",
        f"CREATE TRIGGER IF NOT EXISTS {amendments}_delete BEFORE DELETE ON {amendments} "
        f"FOR EACH ROW {_raise(AMENDMENT_MESSAGE)}",
    ]
    return statements


def _tables(connection: Any) -> set[str]:
    return set(connection.introspection.table_names())


def install_audit_guards(connection: Any) -> None:
    if connection.vendor != "postgresql" or "core_auditevent" not in _tables(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(_PG_AUDIT)


def install_signed_note_guards(connection: Any) -> None:
    needed = set(SIGNED_PARENTS) | {child for child, _, _ in SIGNED_CHILDREN} | {AMENDMENTS[0]}
    if not needed <= _tables(connection):
        return
    if connection.vendor == "postgresql":
        statements = _pg_signed_statements()
    elif connection.vendor == "sqlite":
        statements = _sqlite_signed_statements()
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_all_guards(connection: Any) -> None:
    install_audit_guards(connection)
    install_signed_note_guards(connection)


def installed_guard_names(connection: Any) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def drop_signed_note_guards(connection: Any) -> None:
    names = [f"{table}_signed_readonly" for table in SIGNED_PARENTS]
    amendments = AMENDMENTS[0]
    if connection.vendor == "postgresql":
        names += [f"{t}_{fk}_signed_readonly" for t, fk, _ in SIGNED_CHILDREN]
        tables = [*SIGNED_PARENTS, *(t for t, _, _ in SIGNED_CHILDREN)]
        names.append(f"{amendments}_guard")
        tables.append(amendments)
        existing = _tables(connection)
        with connection.cursor() as cursor:
            for name, table in zip(names, tables, strict=True):
                if table in existing:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    elif connection.vendor == "sqlite":
        names += [f"{table}_signed_delete" for table in SIGNED_PARENTS]
        for table, fk, _ in SIGNED_CHILDREN:
            names += [f"{table}_{fk}_signed_{op}" for op in ("insert", "update", "delete")]
        names += [f"{amendments}_{op}" for op in ("insert", "update", "delete")]
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

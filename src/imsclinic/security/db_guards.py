"""Database-level guards: the audit table is append-only and signed notes are read-only
even for code (or a person with a SQL prompt) that bypasses the actions.

PostgreSQL: PL/pgSQL trigger functions refuse UPDATE/DELETE of audit rows, any change to
a signed assessment or session, and any insert/update/delete of their child rows once
the parent is signed. SQLite: the same for signed notes with ``RAISE(ABORT)`` triggers,
except DELETE (Django's test flush deletes rows table by table); the audit table relies
on its hash chain there. ``TRUNCATE`` and the table owner's ``DISABLE TRIGGER`` are out of
reach of row triggers: the application role should not own the tables (SECURITY.md).
"""

from __future__ import annotations

from typing import Any

SIGNED_PARENTS = ("charting_assessment", "charting_treatmentsession")
# (child table, foreign-key column, parent table)
SIGNED_CHILDREN = (
    ("charting_musclefinding", "assessment_id", "charting_assessment"),
    ("charting_neuropathysign", "assessment_id", "charting_assessment"),
    ("charting_rommeasure", "assessment_id", "charting_assessment"),
    ("charting_insertion", "session_id", "charting_treatmentsession"),
    ("charting_adverseevent", "session_id", "charting_treatmentsession"),
    ("charting_rommeasure", "session_id", "charting_treatmentsession"),
)
SIGNED_MESSAGE = "signed note is read-only: add an amendment instead"
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
    return statements


def _sqlite_signed_statements() -> list[str]:
    statements = []
    for table in SIGNED_PARENTS:
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_signed_readonly BEFORE UPDATE ON {table} "
            f"FOR EACH ROW WHEN OLD.signed_at IS NOT NULL "
            f"BEGIN SELECT RAISE(ABORT, '{SIGNED_MESSAGE}'); END"
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
    return statements


def _tables(connection: Any) -> set[str]:
    return set(connection.introspection.table_names())


def install_audit_guards(connection: Any) -> None:
    if connection.vendor != "postgresql" or "core_auditevent" not in _tables(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(_PG_AUDIT)


def install_signed_note_guards(connection: Any) -> None:
    needed = set(SIGNED_PARENTS) | {child for child, _, _ in SIGNED_CHILDREN}
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
    if connection.vendor == "postgresql":
        names += [f"{t}_{fk}_signed_readonly" for t, fk, _ in SIGNED_CHILDREN]
        tables = [*SIGNED_PARENTS, *(t for t, _, _ in SIGNED_CHILDREN)]
        with connection.cursor() as cursor:
            for name, table in zip(names, tables, strict=True):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    elif connection.vendor == "sqlite":
        for table, fk, _ in SIGNED_CHILDREN:
            names += [f"{table}_{fk}_signed_insert", f"{table}_{fk}_signed_update"]
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

"""Signed follow-up addenda and signed incident reports are read-only in the database,
like signed notes (security/db_guards.py): even code or a person with a SQL prompt that
bypasses the actions cannot change or delete one once ``signed_at`` is set.

PostgreSQL: a PL/pgSQL trigger refuses UPDATE and DELETE of a signed row. SQLite: a
``RAISE(ABORT)`` trigger refuses UPDATE (not DELETE: Django's test flush deletes rows
table by table, as for signed notes). Installed by this app's migration and again after
every migrate (SQLite drops a table's triggers when a migration rebuilds it).
"""

from __future__ import annotations

from typing import Any

SIGNED_TABLES = ("safety_followup", "safety_incidentreport")
MESSAGE = "signed safety record is read-only"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION imsclinic_signed_safety_readonly() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.signed_at IS NOT NULL THEN
    RAISE EXCEPTION '{MESSAGE} (% %.id=%)', TG_OP, TG_TABLE_NAME, OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
"""


def guard_names() -> list[str]:
    return [f"{table}_signed_readonly" for table in SIGNED_TABLES]


def install_signed_record_guards(connection: Any) -> None:
    if not set(SIGNED_TABLES) <= set(connection.introspection.table_names()):
        return
    statements: list[str] = []
    if connection.vendor == "postgresql":
        statements.append(_PG_FUNCTION)
        for table, name in zip(SIGNED_TABLES, guard_names(), strict=True):
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            statements.append(
                f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION imsclinic_signed_safety_readonly()"
            )
    elif connection.vendor == "sqlite":
        for table, name in zip(SIGNED_TABLES, guard_names(), strict=True):
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE ON {table} "
                "FOR EACH ROW WHEN OLD.signed_at IS NOT NULL "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_signed_record_guards(connection: Any) -> None:
    with connection.cursor() as cursor:
        for table, name in zip(SIGNED_TABLES, guard_names(), strict=True):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

"""Issued invoices, their lines, credit notes and payments are read-only in the database
too, for code (or a person at a SQL prompt) that bypasses the actions. Built like the
signed-note guards (security/db_guards.py): installed by billing's migration, re-installed
after every migrate (SQLite drops triggers when it rebuilds a table).

PostgreSQL: PL/pgSQL triggers refuse UPDATE or DELETE of an issued invoice, any
INSERT/UPDATE/DELETE of a line of an issued invoice, and UPDATE or DELETE of any credit
note or payment. SQLite: the same with ``RAISE(ABORT)`` triggers except DELETE (Django's
test flush deletes rows table by table), as for signed notes. An invoice is issued when
``issued_at`` is set; issuing is the UPDATE of a draft row, which the guard allows.
"""

from __future__ import annotations

from typing import Any

ISSUED_MESSAGE = "issued invoice is read-only: issue a credit note instead"
LEDGER_MESSAGE = "billing ledger rows are append-only"
INVOICE_TABLE = "billing_invoice"
LINE_TABLE = "billing_invoiceline"
# Rows that are final the moment they exist.
APPEND_ONLY_TABLES = ("billing_creditnote", "billing_payment")

_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION imsclinic_issued_invoice_readonly() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.issued_at IS NOT NULL THEN
    RAISE EXCEPTION '{ISSUED_MESSAGE} (% {INVOICE_TABLE}.id=%)', TG_OP, OLD.id;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION imsclinic_issued_line_readonly() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  issued boolean;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT issued_at IS NOT NULL INTO issued FROM {INVOICE_TABLE} WHERE id = OLD.invoice_id;
    IF issued THEN
      RAISE EXCEPTION '{ISSUED_MESSAGE} (% on {LINE_TABLE})', TG_OP;
    END IF;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    SELECT issued_at IS NOT NULL INTO issued FROM {INVOICE_TABLE} WHERE id = NEW.invoice_id;
    IF issued THEN
      RAISE EXCEPTION '{ISSUED_MESSAGE} (% on {LINE_TABLE})', TG_OP;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION imsclinic_billing_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{LEDGER_MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
"""  # noqa: S608 - module constants only, no input


def _pg_statements() -> list[str]:
    statements = [_PG_FUNCTIONS]
    triggers = [
        (INVOICE_TABLE, "issued_readonly", "UPDATE OR DELETE", "imsclinic_issued_invoice_readonly"),
        (
            LINE_TABLE,
            "issued_readonly",
            "INSERT OR UPDATE OR DELETE",
            "imsclinic_issued_line_readonly",
        ),
        *(
            (table, "append_only", "UPDATE OR DELETE", "imsclinic_billing_append_only")
            for table in APPEND_ONLY_TABLES
        ),
    ]
    for table, suffix, events, function in triggers:
        name = f"{table}_{suffix}"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        statements.append(
            f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    return statements


def _sqlite_statements() -> list[str]:
    issued = "(SELECT issued_at FROM {inv} WHERE id = {row}.invoice_id) IS NOT NULL"
    old_issued = issued.format(inv=INVOICE_TABLE, row="OLD")
    new_issued = issued.format(inv=INVOICE_TABLE, row="NEW")
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS {INVOICE_TABLE}_issued_readonly BEFORE UPDATE ON "
        f"{INVOICE_TABLE} FOR EACH ROW WHEN OLD.issued_at IS NOT NULL "
        f"BEGIN SELECT RAISE(ABORT, '{ISSUED_MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {LINE_TABLE}_issued_insert BEFORE INSERT ON {LINE_TABLE} "
        f"FOR EACH ROW WHEN {new_issued} BEGIN SELECT RAISE(ABORT, '{ISSUED_MESSAGE}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {LINE_TABLE}_issued_update BEFORE UPDATE ON {LINE_TABLE} "
        f"FOR EACH ROW WHEN {old_issued} OR {new_issued} "
        f"BEGIN SELECT RAISE(ABORT, '{ISSUED_MESSAGE}'); END",
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE ON {table} "
            f"FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{LEDGER_MESSAGE}'); END"
        )
    return statements


def guard_names(vendor: str) -> set[str]:
    if vendor == "postgresql":
        return {
            f"{INVOICE_TABLE}_issued_readonly",
            f"{LINE_TABLE}_issued_readonly",
            *(f"{table}_append_only" for table in APPEND_ONLY_TABLES),
        }
    return {
        f"{INVOICE_TABLE}_issued_readonly",
        f"{LINE_TABLE}_issued_insert",
        f"{LINE_TABLE}_issued_update",
        *(f"{table}_append_only" for table in APPEND_ONLY_TABLES),
    }


def install_billing_guards(connection: Any) -> None:
    needed = {INVOICE_TABLE, LINE_TABLE, *APPEND_ONLY_TABLES}
    if not needed <= set(connection.introspection.table_names()):
        return
    if connection.vendor == "postgresql":
        statements = _pg_statements()
    elif connection.vendor == "sqlite":
        statements = _sqlite_statements()
    else:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_billing_guards(connection: Any) -> None:
    tables = {
        f"{INVOICE_TABLE}_issued_readonly": INVOICE_TABLE,
        f"{LINE_TABLE}_issued_readonly": LINE_TABLE,
        f"{LINE_TABLE}_issued_insert": LINE_TABLE,
        f"{LINE_TABLE}_issued_update": LINE_TABLE,
        **{f"{table}_append_only": table for table in APPEND_ONLY_TABLES},
    }
    with connection.cursor() as cursor:
        for name in guard_names(connection.vendor):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {tables[name]}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

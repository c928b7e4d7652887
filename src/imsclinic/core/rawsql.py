"""The one raw-SQL toolkit: identifier quoting, column lists, plain INSERTs of model rows,
and bulk loads (COPY on PostgreSQL). Nothing else in the project quotes a name.

Plain INSERTs are for the write paths that run on every request.

Building and compiling a model instance per row (``create``, ``bulk_create``) costs several
times what the database does for the same statement (make bench), so the session write
(charting.actions) and the audit trail (core.audit) insert rows with these instead. Each
stores exactly the values the ORM would: every value goes through its field's
``get_db_prep_save``, and the columns a caller does not give get what ``save`` would put
there (``now`` for auto_now/auto_now_add timestamps, the field default otherwise). The
statements come from the models' ``_meta``, so a column added to a model is written, with
its default, without a change here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


def quote(name: str | None) -> str:
    """An identifier (table or column) quoted for the database in use: the one place
    identifiers are quoted, so no raw SQL in the project builds a name by hand."""
    assert name is not None
    return connection.ops.quote_name(name)


def table(model: type[Model], alias: str = "") -> str:
    """``model``'s table, quoted, with ``alias`` after it if given."""
    name = quote(model._meta.db_table)
    return f"{name} {alias}" if alias else name


def columns(*names: str) -> str:
    """A select list from ``alias.column`` names, each column quoted."""
    return ", ".join(f"{alias}.{quote(column)}" for alias, column in (n.split(".") for n in names))


def quoted(model: type[Model], *fields: str) -> tuple[str, ...]:
    """``model``'s quoted table, then the quoted columns of its fields ``fields``."""
    by_name = {f.name: f.column for f in model._meta.concrete_fields}
    return (quote(model._meta.db_table), *(quote(by_name[name]) for name in fields))


def _binds_on_client(cursor: Any) -> bool:
    """Whether ``cursor`` (Django's wrapper) is psycopg's client-side binding cursor, which
    may send several statements at once (not so with ``server_side_binding``)."""
    if connection.vendor != "postgresql":
        return False
    from psycopg import ClientCursor

    return isinstance(getattr(cursor, "cursor", None), ClientCursor)


def execute_together(cursor: Any, *statements: tuple[str, Sequence[Any]]) -> list[list[Any]]:
    """Run ``statements`` (SQL, parameters) in order and return each one's rows ([] for a
    statement that returns none).

    On PostgreSQL they go in one round trip: psycopg's client-side cursor (Django's
    default) sends them as one simple query, and each still runs as its own statement,
    with its own snapshot, so a lock taken by one is seen by the next. Elsewhere (SQLite,
    in process) one by one. A write path pays a round trip per statement otherwise, and
    on a busy server each costs more than the statement (docs/benchmarks.md, issue 18)."""
    results: list[list[Any]] = []
    if not _binds_on_client(cursor):
        for sql, params in statements:
            cursor.execute(sql, params)
            results.append(cursor.fetchall() if cursor.description else [])
        return results
    cursor.execute(
        ";\n".join(sql for sql, _ in statements),
        [value for _, params in statements for value in params],
    )
    while True:
        results.append(cursor.fetchall() if cursor.description else [])
        if not cursor.nextset():
            break
    if len(results) != len(statements):  # pragma: no cover - one result per statement
        raise RuntimeError(f"{len(statements)} statements gave {len(results)} results.")
    return results


def select_list(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` (its field order) as ``alias.column``: the part of
    a hand-written SELECT that ``load`` turns back into an instance."""
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


@functools.cache
def _converted(model: type[Model], vendor: str) -> tuple[tuple[int, Field], ...]:
    """The fields of ``model`` (by position) whose values the database hands back in
    another form than the ORM returns (SQLite's text timestamps, integer booleans)."""
    db = connections[DEFAULT_DB_ALIAS]
    return tuple(
        (index, field)
        for index, field in enumerate(model._meta.concrete_fields)
        if db.ops.get_db_converters(field.get_col(model._meta.db_table))
        or field.get_db_converters(db)
    )


def load(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """The ``model`` instance of ``row[start:]`` (columns as ``select_list`` gives them),
    as a query would load it: the database's and the fields' converters applied (SQLite
    hands back text for timestamps), then ``Model.from_db``."""
    db = connections[DEFAULT_DB_ALIAS]
    fields = model._meta.concrete_fields
    values = list(row[start : start + len(fields)])
    for index, field in _converted(model, db.vendor):
        col = field.get_col(model._meta.db_table)
        for convert in (*db.ops.get_db_converters(col), *field.get_db_converters(db)):
            values[index] = convert(values[index], col, db)
    return model.from_db(db.alias, [f.attname for f in fields], values)


@dataclass(frozen=True)
class InsertPlan:
    sql: str
    given: tuple[Field, ...]  # the caller's columns, in the order of its values
    fill: tuple[Field, ...]  # every other column the ORM writes: timestamps and defaults


@functools.cache
def insert_plan(model: type[Model], names: tuple[str, ...], returning: bool) -> InsertPlan:
    """The INSERT of one ``model`` row: the ``names`` columns (attnames) given by the caller,
    then every other column the ORM would write (``RETURNING`` the id if asked)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(names) - set(by_attname)
    if unknown:
        raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}.")
    given = tuple(by_attname[name] for name in names)
    fill = tuple(
        f
        for f in model._meta.concrete_fields
        if f.attname not in names
        and not getattr(f, "db_returning", False)  # the auto id
        and not f.generated
        and not (f.has_db_default() and not f.has_default())  # the database fills it
    )
    columns = ", ".join(quote(f.column) for f in given + fill)
    marks = ", ".join(["%s"] * (len(given) + len(fill)))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    if returning:
        if not connection.features.can_return_columns_from_insert:  # pragma: no cover
            raise NotImplementedError("The database cannot return the id of an INSERT.")
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return InsertPlan(sql, given, fill)


def _fill_values(db: BaseDatabaseWrapper, plan: InsertPlan, now: dt.datetime) -> tuple[Any, ...]:
    """The stored values of the columns the caller does not give: ``now`` for created_at
    (auto_now_add) and updated_at (auto_now), as ``save`` sets them; the rest their defaults."""
    return tuple(
        f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            db,
        )
        for f in plan.fill
    )


def insert_statement(
    model: type[Model], names: tuple[str, ...], values: Sequence[Any], now: dt.datetime
) -> tuple[str, list[Any]]:
    """The INSERT of one ``model`` row ``RETURNING`` its id, with its parameters: ``values``
    (of the ``names`` attnames, as Python values) as ``Model.save`` would store them."""
    plan = insert_plan(model, names, True)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup per attribute
    params = [
        field.get_db_prep_save(value, db) for field, value in zip(plan.given, values, strict=True)
    ]
    return plan.sql, [*params, *_fill_values(db, plan, now)]


def insert_returning_id(
    model: type[Model], names: tuple[str, ...], values: Sequence[Any], now: dt.datetime
) -> int:
    """Insert one ``model`` row and return its id (see ``insert_statement``)."""
    sql, params = insert_statement(model, names, values, now)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@functools.cache
def _rows_sql(model: type[Model], names: tuple[str, ...], count: int, returning: bool) -> str:
    """One multi-row INSERT of ``count`` rows (``RETURNING`` their ids, in row order, as
    bulk_create relies on for PostgreSQL and SQLite)."""
    plan = insert_plan(model, names, returning)
    head, _, tail = plan.sql.partition(" VALUES ")
    row, _, returned = tail.partition(" RETURNING ")
    sql = f"{head} VALUES {', '.join((row,) * count)}"
    return f"{sql} RETURNING {returned}" if returning else sql


def insert_rows(
    model: type[Model],
    names: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    now: dt.datetime,
    *,
    returning: bool = False,
) -> list[int]:
    """Insert ``rows`` (values of the ``names`` attnames, already as stored) with one
    multi-row INSERT: what ``bulk_create`` would write. No statement for no rows. Returns
    the new ids in row order when ``returning`` (else an empty list).

    One statement rather than ``executemany``: PostgreSQL then parses, plans and runs one
    statement per note instead of one per row (make bench-pg)."""
    if not rows:
        return []
    plan = insert_plan(model, names, returning)
    db = connections[DEFAULT_DB_ALIAS]
    extra = _fill_values(db, plan, now)
    if db.vendor == "postgresql" and len(rows) > 1 and _as_json(extra, *rows):
        return _insert_json(db, model, names, rows, extra, returning)
    width = len(names) + len(extra)
    per_statement = max(1, (db.features.max_query_params or 65535) // width)
    ids: list[int] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            params = [value for row in batch for value in (*row, *extra)]
            cursor.execute(_rows_sql(model, names, len(batch), returning), params)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


# The Python types a JSON document carries to PostgreSQL as the same text psycopg would
# send for them (numbers, strings, booleans, NULL; decimals, dates and timestamps as their
# ISO text); a row holding anything else (a float, a JSON field's wrapper) is inserted
# with VALUES instead.
_JSON_TYPES = (str, int, bool, type(None), Decimal, dt.date, dt.datetime)


def _as_json(*rows: tuple[Any, ...]) -> bool:
    return all(type(value) in _JSON_TYPES for row in rows for value in row)


def _json_value(value: Any) -> str:
    # orjson writes dates and timestamps as ISO text itself (RFC 3339, offset kept).
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not inserted as JSON.")


@functools.cache
def _json_rows_sql(model: type[Model], names: tuple[str, ...], returning: bool) -> str:
    """The multi-row INSERT of ``insert_rows`` on PostgreSQL with one parameter, a JSON array
    of the rows, expanded to the table's row type by ``json_populate_recordset`` in order.

    A VALUES list of 15 rows has ~200 parameters; psycopg re-parses such a statement and
    quotes each value in Python on every call (it caches statements of at most 50), which
    cost more than the database's work for the INSERT (docs/benchmarks.md, issue 18)."""
    plan = insert_plan(model, names, returning)
    head, _, tail = plan.sql.partition(" VALUES ")
    _, _, returned = tail.partition(" RETURNING ")
    selected = ", ".join(f"r.{quote(f.column)}" for f in plan.given + plan.fill)
    rows = f"json_populate_recordset(NULL::{quote(model._meta.db_table)}, %s)"
    sql = f"{head} SELECT {selected} FROM {rows} WITH ORDINALITY AS r ORDER BY r.ordinality"  # noqa: S608
    return f"{sql} RETURNING {returned}" if returning else sql


def _insert_json(
    db: BaseDatabaseWrapper,
    model: type[Model],
    names: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    extra: tuple[Any, ...],
    returning: bool,
) -> list[int]:
    plan = insert_plan(model, names, returning)
    keys = [f.column for f in plan.given + plan.fill]
    document = orjson.dumps(
        [dict(zip(keys, (*row, *extra), strict=True)) for row in rows], default=_json_value
    ).decode()  # text, not bytes (bytes would be sent as bytea)
    with db.cursor() as cursor:
        cursor.execute(_json_rows_sql(model, names, returning), [document])
        return [row[0] for row in cursor.fetchall()] if returning else []


class BulkWriter:
    """Appends rows for one table and flushes them in large batches (COPY on PostgreSQL)."""

    def __init__(self, model: type[Model], columns: Sequence[str], batch: int = 50_000) -> None:
        self.table = quote(model._meta.db_table)
        self.columns = list(columns)
        self.rows: list[tuple[Any, ...]] = []
        self.batch = batch
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        quoted = ", ".join(quote(c) for c in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor  # psycopg 3 cursor: COPY is an order of magnitude faster
                with raw.copy(f"COPY {self.table} ({quoted}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({quoted}) VALUES ({marks})",  # noqa: S608
                    [tuple(_sqlite_value(v) for v in row) for row in self.rows],
                )
        self.count += len(self.rows)
        self.rows.clear()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value

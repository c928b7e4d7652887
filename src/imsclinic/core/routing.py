"""Read routing: reports, clinic outcomes and the research export may read from a replica
(docs/deployment.md). Every other read, and every write, goes to the primary.

Configured by DATABASE_REPLICA_URL (the ``replica`` alias, config/database.py) and
IMSCLINIC_REPLICA_READS=1. A replica lags its primary by a little: a clinic listed in
IMSCLINIC_READ_YOUR_WRITES (slugs, or ``*``) has its replica reads wait until the replica
has replayed everything the primary had written when the read began (at most
IMSCLINIC_REPLICA_WAIT_MS), and read from the primary when it has not, so a report never
misses a note charted a moment before it.

Readers enter ``replica_reads(clinic)``; the router sends ORM reads inside it to the alias
it chose, and raw SQL asks ``read_connection()`` for the same connection.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"
_read_alias: ContextVar[str | None] = ContextVar("imsclinic_read_alias", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "IMSCLINIC_REPLICA_READS", False)


def wants_read_your_writes(clinic: Any) -> bool:
    asked = getattr(settings, "IMSCLINIC_READ_YOUR_WRITES", ())
    return "*" in asked or getattr(clinic, "slug", None) in asked


def _lsn(text: str) -> int:
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def primary_position() -> int | None:
    """The primary's current WAL position (PostgreSQL), or None where there is none."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return None
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return _lsn(cursor.fetchone()[0])


def replica_caught_up(position: int | None) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``position``. A server that
    is not in recovery (no replica in tests, or one promoted) has everything."""
    if position is None:
        return True
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return True
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        replayed = cursor.fetchone()[0]
    return replayed is None or _lsn(replayed) >= position


def choose_read_alias(clinic: Any) -> str:
    """Where this clinic's replica-eligible reads go now."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    if not wants_read_your_writes(clinic):
        return REPLICA
    position = primary_position()
    deadline = time.monotonic() + getattr(settings, "IMSCLINIC_REPLICA_WAIT_MS", 500) / 1000
    while True:
        if replica_caught_up(position):
            return REPLICA
        if time.monotonic() >= deadline:
            return DEFAULT_DB_ALIAS
        time.sleep(0.005)


@contextmanager
def replica_reads(clinic: Any) -> Iterator[str]:
    """Reads inside go to the replica where configured (see the module doc)."""
    token = _read_alias.set(choose_read_alias(clinic))
    try:
        yield _read_alias.get() or DEFAULT_DB_ALIAS
    finally:
        _read_alias.reset(token)


def read_connection() -> BaseDatabaseWrapper:
    """The connection for raw-SQL reads: the replica inside ``replica_reads``, if chosen."""
    return connections[_read_alias.get() or DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """ORM reads inside ``replica_reads`` go to the alias it chose; everything else to the
    default (primary). Migrations run on the primary only."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return _read_alias.get()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS

"""Build the test database's schema once per change of the migrations, not once per worker.

Applying the migrations is the slow part of starting the suite (Django renders every
historical model state: seconds per worker, more as apps add migrations). The first
worker that needs the schema migrates as usual and keeps the result; every later worker
and run with the same migrations loads it:

- SQLite (the in-memory test database): an SQL dump of the migrated database (tables,
  rows such as django_migrations and content types, indexes and triggers) in pytest's
  cache folder, loaded with ``executescript``;
- PostgreSQL: a template database, ``imsclinic_tpl_<key>``, that each worker's test
  database is created from (``CREATE DATABASE ... TEMPLATE``).

The key hashes the migrations and every module that installs database programmability
after a migrate (triggers and functions), plus the Django version, so a change to any of
them builds a fresh schema. Workers wait on a file lock while one of them builds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import django
from django.db import connections

import imsclinic

SRC = Path(imsclinic.__file__).parent
# Modules whose text contains one of these install something that migrations do not list.
PROGRAMMABILITY = (b"CREATE TRIGGER", b"CREATE OR REPLACE FUNCTION", b"post_migrate")
TEMPLATE_PREFIX = "imsclinic_tpl_"


def schema_key() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_bytes()
        if "migrations" in path.parts or any(marker in text for marker in PROGRAMMABILITY):
            digest.update(str(path.relative_to(SRC)).encode())
            digest.update(text)
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite(connection: Any, folder: Path, key: str, migrate: Callable[[], None]) -> None:
    dump = folder / f"sqlite-{key}.sql"
    connection.ensure_connection()
    if dump.exists():
        # The dump lists tables alphabetically, so rows can come before the table their
        # foreign key names; the migrated rows are consistent, so check nothing on load.
        raw = connection.connection
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.executescript(dump.read_text())
        raw.execute("PRAGMA foreign_keys = ON")
        return
    migrate()
    text = "\n".join(connection.connection.iterdump())
    partial = dump.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(text)
    partial.replace(dump)
    for old in folder.glob("sqlite-*.sql"):
        if old != dump:
            old.unlink(missing_ok=True)


def _postgresql(connection: Any, key: str, migrate: Callable[[], None]) -> None:
    creation = connection.creation
    quote = connection.ops.quote_name
    template = f"{TEMPLATE_PREFIX}{key}"
    test_name = connection.settings_dict["NAME"]
    with creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
        )
        templates = {row[0] for row in cursor.fetchall()}
    connection.close()
    with creation._nodb_cursor() as cursor:
        if template in templates:
            cursor.execute(f"DROP DATABASE {quote(test_name)}")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
            return
    migrate()
    connection.close()  # CREATE DATABASE ... TEMPLATE needs the source to have no sessions
    with creation._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(test_name)}")
        for old in templates:
            with contextlib.suppress(Exception):  # in use by a concurrent run: left for later
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")


@contextlib.contextmanager
def cached_migrate(folder: Path) -> Iterator[None]:
    """While the test databases are created, answer their ``migrate`` from the cache."""
    from django.core import management

    original = management.call_command
    key = schema_key()

    def call_command(name: Any, *args: Any, **options: Any) -> Any:
        if name != "migrate":
            return original(name, *args, **options)
        connection = connections[options.get("database", "default")]

        def migrate() -> None:
            original(name, *args, **options)

        with _locked(folder):
            if connection.vendor == "sqlite":
                _sqlite(connection, folder, key, migrate)
            elif connection.vendor == "postgresql":
                _postgresql(connection, key, migrate)
            else:
                migrate()
        return None

    with mock.patch.object(management, "call_command", call_command):
        yield

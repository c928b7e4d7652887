"""`imsclinic backup PATH`: a consistent copy of the whole database, taken while it runs.

SQLite: the online backup API (pages copied under a read transaction, WAL included).
PostgreSQL: pg_dump in custom format (-Fc), restorable with `imsclinic restore`.
Encrypt the file and keep copies off-site (SECURITY.md).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from imsclinic.core.backups import pg_command, pg_environment


class Command(BaseCommand):
    help = "Back up the database to PATH (SQLite file copy, or pg_dump -Fc for PostgreSQL)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        path: Path = options["path"]
        if path.exists():
            raise CommandError(f"{path} exists; choose a new file so no backup is overwritten.")
        path.parent.mkdir(parents=True, exist_ok=True)
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                with target:
                    connection.connection.backup(target)
                check = target.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                target.close()
            if check != "ok":
                raise CommandError(f"The backup failed its integrity check: {check}")
        elif connection.vendor == "postgresql":
            env, connect_args = pg_environment(connection.settings_dict)
            pg_command("pg_dump", [*connect_args, "-Fc", "--no-owner", "-f", str(path)], env)
        else:
            raise CommandError(f"Backups of {connection.vendor} are not supported.")
        path.chmod(0o600)
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size} bytes).")

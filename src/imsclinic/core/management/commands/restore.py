"""`imsclinic restore PATH`: replace the database with a backup made by `imsclinic backup`.

Stop the app first. SQLite: the backup is copied into the database file with the online
backup API. PostgreSQL: pg_restore --clean into the configured (ideally fresh) database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from imsclinic.core.backups import pg_command, pg_environment


class Command(BaseCommand):
    help = "Restore the database from a backup file (stop the app first)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--database", default="default")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        if not options["yes"]:
            answer = input(f"Replace the database with {path}? Type 'yes': ")
            if answer.strip() != "yes":
                raise CommandError("Restore cancelled.")
        if connection.vendor == "sqlite":
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise CommandError(f"{path} is damaged (integrity check failed).")
                connection.ensure_connection()
                source.backup(connection.connection)
            finally:
                source.close()
        elif connection.vendor == "postgresql":
            env, connect_args = pg_environment(connection.settings_dict)
            connection.close()
            pg_command(
                "pg_restore",
                [
                    *connect_args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--exit-on-error",
                    str(path),
                ],
                env,
            )
        else:
            raise CommandError(f"Restoring {connection.vendor} is not supported.")
        self.stdout.write(f"Restored from {path}. Run `imsclinic audit verify` next.")

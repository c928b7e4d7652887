"""Running the PostgreSQL client tools for backup and restore."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in PG_BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    raise CommandError(f"{name} not found: install the PostgreSQL client tools.")


def pg_environment(settings_dict: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment,
    never on the command line (where other local users could read it)."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = ["--dbname", str(settings_dict["NAME"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    return env, args


def pg_command(tool: str, args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 (fixed executable, no shell)
        [pg_tool(tool), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise CommandError(f"{tool} failed: {result.stderr.strip()[:2000]}")

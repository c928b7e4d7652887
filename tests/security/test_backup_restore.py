"""`imsclinic backup` and `imsclinic restore`: a backup restored into a fresh database
holds every table row for row (SQLite file copy; PostgreSQL pg_dump/pg_restore)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import AmendmentIn
from tests.factories import (
    make_actor,
    make_clinic,
    make_consented_patient,
    make_episode,
    make_practitioner,
    make_session,
)

ROOT = Path(__file__).resolve().parents[2]


def _populate() -> None:
    actor = make_actor(make_practitioner(make_clinic("backup-clinic"), "backup.pt"))
    for _ in range(3):
        patient = make_consented_patient(actor)
        episode = make_episode(actor, patient)
        session = charting.session_sign(actor=actor, session=make_session(actor, patient, episode))
        charting.amendment_add(
            actor=actor, note=session, data=AmendmentIn(text="fix", reason="typo")
        )


def _rows(cursor, tables: list[str]) -> dict[str, list[tuple]]:
    result = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        result[table] = [tuple(str(v) for v in row) for row in cursor.fetchall()]
    return result


def _restore(path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "imsclinic.config.settings.base",
    }
    result = subprocess.run(
        [sys.executable, "-m", "imsclinic.cli", "restore", str(path), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup")
def test_sqlite_backup_restores_every_row(transactional_db, tmp_path):
    import sqlite3

    _populate()
    backup = tmp_path / "clinic.backup.sqlite3"
    call_command("backup", str(backup))
    assert oct(backup.stat().st_mode)[-3:] == "600"
    fresh = tmp_path / "fresh.sqlite3"
    _restore(backup, f"sqlite:///{fresh}")
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        expected = _rows(cursor, tables)
    # The same type converters as Django's connection, so values compare like for like.
    restored_db = sqlite3.connect(
        fresh, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    )
    try:
        restored = _rows(restored_db.cursor(), tables)
        assert restored_db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        restored_db.close()
    assert expected["core_auditevent"] and expected["charting_insertion"]
    assert restored == expected


def test_backup_refuses_to_overwrite(db, tmp_path):
    from django.core.management.base import CommandError

    target = tmp_path / "exists"
    target.write_text("keep me")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(target))
    assert target.read_text() == "keep me"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backup")
@pytest.mark.skipif(
    os.environ.get("IMSCLINIC_PGBOUNCER") == "1",
    reason="pg_dump and pg_restore keep session settings: run them against PostgreSQL itself, "
    "not through a transaction pool (docs/deployment.md)",
)
def test_postgres_backup_restores_every_row(transactional_db, tmp_path):
    import psycopg

    _populate()
    backup = tmp_path / "clinic.dump"
    call_command("backup", str(backup))
    settings_dict = connection.settings_dict
    fresh = f"restore_{uuid.uuid4().hex[:10]}"
    conninfo = dict(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
    )
    with psycopg.connect(dbname=settings_dict["NAME"], autocommit=True, **conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
            f"{settings_dict['HOST']}:{settings_dict['PORT']}/{fresh}"
        )
        _restore(backup, url)
        tables = connection.introspection.table_names()
        with connection.cursor() as cursor:
            expected = _rows(cursor, tables)
        with psycopg.connect(dbname=fresh, **conninfo) as restored_db:
            restored = _rows(restored_db.cursor(), tables)
            triggers = {
                r[0]
                for r in restored_db.execute(
                    "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                ).fetchall()
            }
        assert restored == expected
        assert "auditevent_append_only" in triggers  # the guards come back with the data
    finally:
        with psycopg.connect(dbname=settings_dict["NAME"], autocommit=True, **conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')

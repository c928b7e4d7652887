"""Migrations keep working when the application code changes: they import none of it."""

from __future__ import annotations

import ast
import datetime as dt
from importlib import import_module
from pathlib import Path

import imsclinic
from imsclinic.core.audit import GENESIS_HASH, HASHED_FIELDS, row_digest

SRC = Path(imsclinic.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_no_migration_imports_application_code():
    offenders = {}
    for path in sorted(SRC.glob("*/migrations/0*.py")):
        own = {
            name
            for name in _imported_modules(path)
            if name.startswith("imsclinic") and ".migrations." not in name
        }
        if own:
            offenders[str(path.relative_to(SRC))] = sorted(own)
    assert offenders == {}


def test_frozen_audit_hash_in_migrations_matches_the_live_one():
    # docs/audit.md fixes the row hash; the migrations carry a frozen copy of it. Should
    # the live one ever change, old rows would stop verifying: this test says so first.
    values = {name: None for name in HASHED_FIELDS}
    values.update(
        seq=7, at=dt.datetime(2026, 3, 8, 9, 30, tzinfo=dt.UTC), username="pt.morgan", detail="x"
    )
    expected = row_digest(values, GENESIS_HASH)
    for name in ("0002_audit_chain_and_mfa_flag", "0003_audit_chain_per_clinic"):
        migration = import_module(f"imsclinic.core.migrations.{name}")
        assert migration.HASHED_FIELDS == HASHED_FIELDS
        assert migration.row_digest(values, GENESIS_HASH) == expected

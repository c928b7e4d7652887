"""Insertions written before the lot key existed get it from charting migration 0008,
which lifts the signed-note guards for the fill (post_migrate puts them back); the write
path and the bulk generator write the key themselves."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction

from imsclinic.charting.models import Insertion
from imsclinic.demo.scale import generate
from imsclinic.rules.lots import lot_key
from imsclinic.security.db_guards import (
    drop_signed_note_guards,
    install_all_guards,
    install_signed_note_guards,
    installed_guard_names,
)
from tests.factories import insertion, make_signed_session


def _migrate_fill() -> None:
    """Migration 0008's fill, then what the post_migrate hook does at the end of migrate."""
    migration = import_module("imsclinic.charting.migrations.0008_insertion_lot_key")
    migration.fill_keys(None, SimpleNamespace(connection=connection, execute=_execute))
    install_all_guards(connection)


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _blank_keys() -> None:
    """The state before migration 0007: no keys (guards lifted only to set that up)."""
    drop_signed_note_guards(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE charting_insertion SET needle_lot_key = ''")
    install_signed_note_guards(connection)


def test_migration_fills_signed_rows_and_the_guards_come_back(actor, patient, episode):
    session = make_signed_session(
        actor,
        patient,
        episode,
        insertions=[insertion(needle_lot="LOT-2026-11"), insertion("deltoid", needle_lot="ab 7")],
    )
    before = {i.pk: i.updated_at for i in Insertion.objects.all()}
    guards = installed_guard_names(connection)
    _blank_keys()
    assert set(Insertion.objects.values_list("needle_lot_key", flat=True)) == {""}
    _migrate_fill()
    assert sorted(Insertion.objects.values_list("needle_lot", "needle_lot_key")) == [
        ("LOT-2026-11", "202611"),
        ("ab 7", "AB7"),
    ]
    # Only the derived key changed; the guards are back and still refuse changes.
    assert {i.pk: i.updated_at for i in Insertion.objects.all()} == before
    assert installed_guard_names(connection) == guards
    with pytest.raises(DatabaseError, match="read-only"), transaction.atomic():
        Insertion.objects.filter(session=session).update(needle_lot_key="X")
    _migrate_fill()  # nothing left to key: the guards are not lifted again
    assert installed_guard_names(connection) == guards


def test_the_session_write_path_and_orm_fill_the_key(actor, patient, episode):
    make_signed_session(actor, patient, episode, insertions=[insertion(needle_lot=" lot 12-a ")])
    stored = Insertion.objects.get()
    assert (stored.needle_lot, stored.needle_lot_key) == ("lot 12-a", "12A")


@pytest.mark.django_db(transaction=True)
def test_bulk_generator_writes_the_key_of_every_spelling():
    generate(clinics=1, patients=30, years=1, seed=11)
    rows = set(Insertion.objects.values_list("needle_lot", "needle_lot_key"))
    assert rows and all(key == lot_key(lot) != "" for lot, key in rows)
    assert len({lot for lot, _ in rows}) > len({key for _, key in rows})  # several spellings

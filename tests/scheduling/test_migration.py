"""Appointments of the first, minimal model (patients.Appointment) move to the scheduling
table with their ids, so audit events naming "Appointment <id>" still point at them.

The copy (scheduling/migrations/0002) runs here against the old table recreated from the
migration history, beside the new one, rather than by migrating the whole project back
and forth (a minute per database)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from imsclinic.scheduling.models import Appointment
from tests.factories import make_consented_patient

copy_migration = importlib.import_module(
    "imsclinic.scheduling.migrations.0002_copy_patients_appointments"
)


@pytest.fixture
def old_table(transactional_db):
    loader = MigrationLoader(connection)
    leaves = [n for n in loader.graph.leaf_nodes() if n[0] != "patients"]
    apps = loader.project_state([*leaves, ("patients", "0002_search_name_reversed")]).apps
    old = apps.get_model("patients", "Appointment")
    with connection.schema_editor() as editor:
        editor.create_model(old)
    yield apps, old
    with connection.schema_editor() as editor:
        editor.delete_model(old)


def test_old_appointments_are_copied_with_their_ids(old_table, actor, practitioner):
    apps, old = old_table
    patient = make_consented_patient(actor)
    start = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
    common = {
        "clinic_id": patient.clinic_id,
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
    }
    old.objects.create(
        id=41, starts_at=start, minutes=45, status="done", reason="IMS follow-up", **common
    )
    old.objects.create(id=42, starts_at=start, minutes=30, status="cancelled", **common)
    with connection.schema_editor() as editor:
        copy_migration.copy(apps, editor)
    first = Appointment.objects.get(pk=41)
    assert first.status == "completed" and first.note == "IMS follow-up"
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=45)
    assert Appointment.objects.get(pk=42).status == "cancelled"
    # New rows continue after the copied ids (PostgreSQL's sequence was moved on).
    later = Appointment.objects.create(
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, minutes=30),
        **common,
    )
    assert later.pk > 42


def test_overlapping_old_appointments_stop_the_copy_and_are_named(old_table, actor, practitioner):
    apps, old = old_table
    patient = make_consented_patient(actor)
    start = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
    common = {
        "clinic_id": patient.clinic_id,
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
    }
    old.objects.create(id=51, starts_at=start, minutes=30, **common)
    old.objects.create(id=52, starts_at=start + dt.timedelta(minutes=15), minutes=30, **common)
    with pytest.raises(RuntimeError, match="51 and 52"), connection.schema_editor() as editor:
        copy_migration.copy(apps, editor)
    assert not Appointment.objects.exists()

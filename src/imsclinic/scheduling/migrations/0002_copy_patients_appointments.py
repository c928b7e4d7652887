"""Copy the appointments of patients.Appointment (the first, minimal model) into
scheduling.Appointment, keeping their ids so the audit trail still names the same rows.

minutes -> ends_at; status "done" -> "completed"; reason -> note. Overlapping rows of one
practitioner cannot be copied under the double-booking guard: the migration stops and
names them, to be cancelled or moved on the old version first.
"""

import datetime as dt

from django.db import migrations

STATUS = {"booked": "booked", "arrived": "arrived", "done": "completed", "cancelled": "cancelled"}
HOLDING = {"booked", "arrived", "completed"}


def copy(apps, schema_editor):
    Old = apps.get_model("patients", "Appointment")
    New = apps.get_model("scheduling", "Appointment")
    rows = []
    last_end: dict[int, tuple[dt.datetime, int]] = {}
    clashes = []
    for old in Old.objects.order_by("practitioner_id", "starts_at", "id"):
        status = STATUS.get(old.status, "booked")
        ends_at = old.starts_at + dt.timedelta(minutes=old.minutes or 30)
        if status in HOLDING:
            previous = last_end.get(old.practitioner_id)
            if previous is not None and old.starts_at < previous[0]:
                clashes.append(f"{previous[1]} and {old.pk}")
            if previous is None or ends_at > previous[0]:
                last_end[old.practitioner_id] = (ends_at, old.pk)
        rows.append(
            New(
                id=old.pk,
                clinic_id=old.clinic_id,
                created_at=old.created_at,
                updated_at=old.updated_at,
                patient_id=old.patient_id,
                practitioner_id=old.practitioner_id,
                starts_at=old.starts_at,
                ends_at=ends_at,
                status=status,
                note=old.reason[:200],
                source="staff",
            )
        )
    if clashes:
        raise RuntimeError(
            "These appointments overlap for the same practitioner and cannot both be kept "
            "under the double-booking guard: " + ", ".join(clashes) + ". Cancel or move one "
            "of each pair, then migrate again."
        )
    New.objects.bulk_create(rows, batch_size=1000)
    if rows and schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('scheduling_appointment', 'id'), "
                "(SELECT MAX(id) FROM scheduling_appointment))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0001_calendar"),
        ("patients", "0002_search_name_reversed"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop, elidable=False)]

"""The database refuses overlapping appointments of one practitioner (scheduling/guards.py):
an exclusion constraint on PostgreSQL, triggers on SQLite.

The guard is installed after every migrate by scheduling's post_migrate hook
(scheduling/apps.py), because SQLite drops a table's triggers when a migration rebuilds the
table; this migration has nothing to create. Its reverse drops the guard by the names it had
when this was written (migrations import no application code).
"""

from django.db import migrations


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE scheduling_appointment "
                "DROP CONSTRAINT IF EXISTS appointment_no_overlap"
            )
        elif schema_editor.connection.vendor == "sqlite":
            for name in ("appointment_no_overlap_insert", "appointment_no_overlap_update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_copy_patients_appointments")]

    operations = [migrations.RunPython(migrations.RunPython.noop, uninstall)]

"""Signed follow-up addenda and incident reports are read-only in the database too.

The guards are installed after every migrate by the safety app's post_migrate hook
(safety/apps.py, from safety/db_guards.py); this migration has nothing to create. Its
reverse drops them by the names they had when it was written (migrations import no
application code).
"""

from django.db import migrations

TABLES = ("safety_followup", "safety_incidentreport")


def uninstall(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in TABLES:
        on = f" ON {table}" if postgresql else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed_readonly{on}")


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_safety_operations")]

    operations = [migrations.RunPython(migrations.RunPython.noop, uninstall)]

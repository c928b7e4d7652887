"""The database refuses overlapping appointments of one practitioner (scheduling/guards.py):
an exclusion constraint on PostgreSQL, triggers on SQLite (also re-installed after every
migrate, since SQLite drops triggers when it rebuilds a table)."""

from django.db import migrations


def install(apps, schema_editor):
    from imsclinic.scheduling.guards import install_overlap_guard

    install_overlap_guard(schema_editor.connection)


def remove(apps, schema_editor):
    from imsclinic.scheduling.guards import remove_overlap_guard

    remove_overlap_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_copy_patients_appointments")]

    operations = [migrations.RunPython(install, remove)]

"""Signed follow-up addenda and incident reports are read-only in the database too
(safety/db_guards.py, also re-installed after every migrate)."""

from django.db import migrations


def install(apps, schema_editor):
    from imsclinic.safety.db_guards import install_signed_record_guards

    install_signed_record_guards(schema_editor.connection)


def uninstall(apps, schema_editor):
    from imsclinic.safety.db_guards import drop_signed_record_guards

    drop_signed_record_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_safety_operations")]

    operations = [migrations.RunPython(install, uninstall)]

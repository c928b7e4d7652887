"""Signed notes are read-only in the database too (added by the security work, issue 5).

The trigger SQL lives in imsclinic/security/db_guards.py, shared with the post-migrate
hook that reinstalls the SQLite triggers after a table rebuild.
"""

from django.db import migrations


def install(apps, schema_editor):
    from imsclinic.security.db_guards import install_signed_note_guards

    install_signed_note_guards(schema_editor.connection)


def uninstall(apps, schema_editor):
    from imsclinic.security.db_guards import drop_signed_note_guards

    drop_signed_note_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("charting", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]

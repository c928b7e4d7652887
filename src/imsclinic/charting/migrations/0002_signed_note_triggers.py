"""Signed notes are read-only in the database too (added by the security work, issue 5).

The guard triggers are installed after every migrate by the post_migrate hook of the
security app (security/apps.py, from security/db_guards.py), because SQLite drops a
table's triggers whenever a later migration rebuilds the table. This migration therefore
has nothing to create; its reverse drops the guards by the names they had when it was
written. Migrations import no application code, so that they keep working as it changes.
"""

from django.db import migrations

# (table, foreign key) of the guarded child rows when this migration was written.
PARENTS = ("charting_assessment", "charting_treatmentsession")
CHILDREN = (
    ("charting_musclefinding", "assessment_id"),
    ("charting_neuropathysign", "assessment_id"),
    ("charting_rommeasure", "assessment_id"),
    ("charting_insertion", "session_id"),
    ("charting_adverseevent", "session_id"),
    ("charting_rommeasure", "session_id"),
)


def drop_signed_note_guards(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in PARENTS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_signed_readonly ON {table}")
            for table, fk in CHILDREN:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{fk}_signed_readonly ON {table}")
        elif connection.vendor == "sqlite":
            names = [f"{table}_signed_readonly" for table in PARENTS]
            for table, fk in CHILDREN:
                names += [f"{table}_{fk}_signed_insert", f"{table}_{fk}_signed_update"]
            for name in names:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def uninstall(apps, schema_editor):
    drop_signed_note_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("charting", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, uninstall)]

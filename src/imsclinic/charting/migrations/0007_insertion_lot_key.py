"""Each insertion carries its needle lot's recall key (safety/lots.py), indexed per clinic,
so a lot recall finds every session of a lot among millions of insertions (issue 19).

Existing rows are keyed by safety/rekey.py: the signed-note guards refuse any update to a
signed session's insertions, so it lifts them and restores them inside this migration's
transaction (no other transaction sees the table unguarded), and changes only the derived
key column. The key is filled before the index is built, so the fill does not maintain it.
"""

from django.db import migrations, models


def fill_keys(apps, schema_editor):
    from imsclinic.safety.rekey import rekey_insertions

    rekey_insertions(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        # Nothing deferred should be queued by a non-key UPDATE; run any checks now anyway,
        # since PostgreSQL refuses to build an index on a table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def restore_guards(apps, schema_editor):
    # SQLite drops a table's triggers when AddField rebuilds it, and the security app's
    # post-migrate hook never runs (an app without models gets no post_migrate signal), so
    # the insertion guards are installed again here, as migration 0005 does.
    from imsclinic.security.db_guards import install_signed_note_guards

    install_signed_note_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0006_episode_summary"),
        ("core", "0003_audit_chain_per_clinic"),
    ]

    operations = [
        migrations.AddField(
            model_name="insertion",
            name="needle_lot_key",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="insertion",
            index=models.Index(
                fields=["clinic", "needle_lot_key", "session"], name="insertion_clinic_lot"
            ),
        ),
        migrations.RunPython(restore_guards, migrations.RunPython.noop),
    ]

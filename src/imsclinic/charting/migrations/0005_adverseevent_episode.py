"""Adverse events carry their session's episode, so clinic outcomes group them per episode
without joining every session (issue 6). Existing rows are filled from their session; the
signed-note guards refuse updates to a signed session's children, so they are lifted for
the fill and reinstalled after the migrate run (security/apps.py)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models


def lift_guards(apps, schema_editor):
    # The guards come back with the post_migrate hook (security/apps.py) at the end of the
    # migrate run; drop them here by the names they had when this migration was written.
    module = importlib.import_module("imsclinic.charting.migrations.0002_signed_note_triggers")
    module.drop_signed_note_guards(schema_editor.connection)


def check_now(apps, schema_editor):
    # The fill queued deferred foreign-key checks; PostgreSQL refuses ALTER TABLE while any
    # are pending, so run them now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


FILL = """
UPDATE charting_adverseevent SET episode_id = (
    SELECT s.episode_id FROM charting_treatmentsession s
    WHERE s.id = charting_adverseevent.session_id
)
"""


class Migration(migrations.Migration):
    dependencies = [("charting", "0004_outcomes_indexes")]

    operations = [
        migrations.RunPython(lift_guards, lift_guards),
        migrations.AddField(
            model_name="adverseevent",
            name="episode",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="charting.episode",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunPython(check_now, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="adverseevent",
            name="episode",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="charting.episode",
            ),
        ),
        migrations.AddIndex(
            model_name="adverseevent",
            index=models.Index(
                fields=["clinic", "episode", "severity"], name="adverse_clinic_episode"
            ),
        ),
    ]

"""The rollup's "first session that responds" now follows Farrar 2001 (2 points or 30% of
the baseline NPRS) instead of 2 points only: replace the triggers and recompute the rows
already stored (charting/rollup.py)."""

from django.db import migrations


def reinstall_and_refill(apps, schema_editor):
    from imsclinic.charting import rollup

    rollup.install(schema_editor.connection)
    rollup.rebuild(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("charting", "0006_episode_summary")]

    operations = [migrations.RunPython(reinstall_and_refill, migrations.RunPython.noop)]

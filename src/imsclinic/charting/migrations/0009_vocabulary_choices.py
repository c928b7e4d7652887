"""Episode.affected_side and RomMeasure.side take their choices from the chart's closed
vocabularies (charting/vocabulary.py). Choices only: no change to the database. Frozen
here, as every migration freezes what it needs (it imports no application code)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0008_insertion_lot_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="episode",
            name="affected_side",
            field=models.CharField(
                blank=True,
                choices=[("left", "Left"), ("right", "Right"), ("bilateral", "Bilateral")],
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="rommeasure",
            name="side",
            field=models.CharField(
                blank=True, choices=[("left", "Left"), ("right", "Right")], max_length=5
            ),
        ),
    ]

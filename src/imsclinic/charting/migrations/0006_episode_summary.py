"""The per-episode rollup read by clinic outcomes, with the triggers that keep it current
(charting/rollup.py), filled from the sessions and adverse events already stored."""

import django.db.models.deletion
from django.db import migrations, models


def install_and_fill(apps, schema_editor):
    from imsclinic.charting import rollup

    rollup.install(schema_editor.connection)
    rollup.rebuild(schema_editor.connection)


def uninstall(apps, schema_editor):
    from imsclinic.charting import rollup

    rollup.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0005_adverseevent_episode"),
        ("core", "0003_audit_chain_per_clinic"),
    ]

    operations = [
        migrations.CreateModel(
            name="EpisodeSummary",
            fields=[
                (
                    "episode",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="charting.episode",
                    ),
                ),
                ("sessions", models.PositiveIntegerField()),
                ("with_after", models.PositiveIntegerField()),
                ("effect", models.IntegerField(null=True)),
                ("baseline", models.PositiveSmallIntegerField(null=True)),
                ("latest", models.PositiveSmallIntegerField(null=True)),
                ("first_mcid", models.PositiveSmallIntegerField(null=True)),
                ("adverse_mild", models.PositiveIntegerField()),
                ("adverse_significant", models.PositiveIntegerField()),
                ("adverse_serious", models.PositiveIntegerField()),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="core.clinic",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["clinic", "episode"], name="episodesummary_clinic")
                ],
            },
        ),
        migrations.RunPython(install_and_fill, uninstall),
    ]

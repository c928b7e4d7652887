"""The per-episode rollup read by clinic outcomes, with the triggers that keep it current
(charting/rollup.py), filled from the sessions and adverse events already stored."""

import django.db.models.deletion
from django.db import migrations, models

# The triggers that keep the rollup current are installed after every migrate by the
# post_migrate hook of the charting app (charting/apps.py, from charting/rollup.py). This
# migration fills the table once, with the recompute SQL frozen as it was when it was
# written (NPRS MCID 2), so that it keeps working when charting/rollup.py changes.
FILL = """
INSERT INTO charting_episodesummary (episode_id, clinic_id, sessions, with_after, effect,
    baseline, latest, first_mcid, adverse_mild, adverse_significant, adverse_serious)
SELECT s.episode_id, s.clinic_id, COUNT(*), COUNT(s.pain_after),
    SUM(s.pain_before - s.pain_after),
    (SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1),
    (SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence DESC, x.session_date DESC, x.id DESC LIMIT 1),
    (SELECT MIN(x.sequence) - 1 FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        AND x.pain_before <= (SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1) - 2),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'mild'),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'significant'),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'serious')
FROM charting_treatmentsession s GROUP BY s.clinic_id, s.episode_id
"""
TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS treatmentsession_episode_summary ON charting_treatmentsession",
        "DROP TRIGGER IF EXISTS adverseevent_episode_summary ON charting_adverseevent",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {table}_summary_{op}"
        for table in ("charting_treatmentsession", "charting_adverseevent")
        for op in ("insert", "delete", "update")
    ],
}


def uninstall(apps, schema_editor):
    for statement in TRIGGERS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


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
        migrations.RunPython(migrations.RunPython.noop, uninstall),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]

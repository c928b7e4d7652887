"""Covering index for the clinic outcomes read (outcomes.selectors.clinic_outcomes).

One pass over a clinic's sessions in (episode, sequence, date, id) order gives every
episode's baseline, latest and first-MCID session with window functions and no sort; with
pain before/after in the key it is an index-only scan. Plain SQL rather than
``Meta.indexes`` so that it works the same on SQLite and PostgreSQL (an ``include=``
index is PostgreSQL-only) and leads with ``clinic_id`` like every other index.
"""

from django.db import migrations

INDEX = "session_outcomes_order"
TABLE = "charting_treatmentsession"
COLUMNS = "clinic_id, episode_id, sequence, session_date, id, pain_before, pain_after"


class Migration(migrations.Migration):
    dependencies = [("charting", "0003_child_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({COLUMNS})",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]

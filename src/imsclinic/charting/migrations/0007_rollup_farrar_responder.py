"""The rollup's "first session that responds" now follows Farrar 2001 (2 points or 30% of
the baseline NPRS) instead of 2 points only: recompute the rows already stored.

The triggers themselves are replaced after the migrate run by the charting app's
post_migrate hook (charting/apps.py, from charting/rollup.py). The recompute is frozen
here as charting/rollup.py wrote it when this migration was made, so that the migration
keeps working when that module changes (migrations import no application code).
"""

from django.db import migrations

REFILL = (
    "DELETE FROM charting_episodesummary",
    """
INSERT INTO charting_episodesummary (episode_id, clinic_id, sessions, with_after, effect, baseline, latest, first_mcid, adverse_mild, adverse_significant, adverse_serious)
SELECT s.episode_id, s.clinic_id, COUNT(*), COUNT(s.pain_after),
    SUM(s.pain_before - s.pain_after), (SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1), (SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence DESC, x.session_date DESC, x.id DESC LIMIT 1),
    (SELECT MIN(x.sequence) - 1 FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        AND (((SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1) - x.pain_before) >= 1.999999999 OR (((SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1) - x.pain_before) > 0 AND ((SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1) - x.pain_before) * 100 >= 30.0 * ABS((SELECT x.pain_before FROM charting_treatmentsession x
        WHERE x.clinic_id = s.clinic_id AND x.episode_id = s.episode_id
        ORDER BY x.sequence ASC, x.session_date ASC, x.id ASC LIMIT 1)) - 1e-09))),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'mild'),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'significant'),
    (SELECT COUNT(*) FROM charting_adverseevent a WHERE a.clinic_id = s.clinic_id
        AND a.episode_id = s.episode_id AND a.severity = 'serious')
FROM charting_treatmentsession s WHERE 1 = 1 GROUP BY s.clinic_id, s.episode_id
""",
)


class Migration(migrations.Migration):
    dependencies = [("charting", "0006_episode_summary")]

    operations = [migrations.RunSQL(REFILL, migrations.RunSQL.noop)]

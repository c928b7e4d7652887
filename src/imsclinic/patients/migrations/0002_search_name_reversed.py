from django.conf import settings
from django.db import migrations, models

# PostgreSQL uses a btree index for LIKE 'prefix%' only with a pattern operator class
# (the database's collation may not be C); SQLite uses range queries on the plain indexes.
_PG_PATTERN_INDEXES = (
    ("patient_name_pattern", "search_name"),
    ("patient_name_rev_pattern", "search_name_reversed"),
    ("patient_hn_pattern", "health_number"),
)


def fill_reversed_names(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only("id", "family_name", "given_name").iterator(
        chunk_size=2000
    ):
        patient.search_name_reversed = f"{patient.given_name} {patient.family_name}".lower()
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, ["search_name_reversed"])
            batch.clear()
    if batch:
        Patient.objects.bulk_update(batch, ["search_name_reversed"])


def create_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in _PG_PATTERN_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient (clinic_id, {column} text_pattern_ops)"
        )


def drop_pattern_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in _PG_PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("patients", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_name_reversed",
            field=models.CharField(default="", editable=False, max_length=210),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "search_name_reversed"], name="patient_clinic_name_rev"
            ),
        ),
        migrations.RunPython(fill_reversed_names, migrations.RunPython.noop),
        migrations.RunPython(create_pattern_indexes, drop_pattern_indexes),
    ]

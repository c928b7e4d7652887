"""Search keys that forgive accents, apostrophes and separators (issue 16): refill
search_name and search_name_reversed, and add health_number_key (letters and digits
only) with its indexes. The key functions are frozen here (patients/names.py at the
time of writing): migrations import no application code."""

import unicodedata

from django.db import migrations, models

# ' and its typographic kin: right and left single quotation marks, modifier letter
# apostrophe, grave and acute accents typed as apostrophes.
_DROPPED = frozenset("'\u2019\u2018\u02bc`\u00b4")


def _search_key(text):
    out = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.combining(ch) or ch in _DROPPED:
            continue
        out.append(ch if ch.isalnum() else " ")
    return " ".join("".join(out).split())


def _health_number_key(text):
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()).upper()


def refill_keys(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    fields = ["search_name", "search_name_reversed", "health_number_key"]
    batch = []
    rows = Patient.objects.only("id", "family_name", "given_name", "health_number")
    for patient in rows.iterator(chunk_size=2000):
        patient.search_name = _search_key(f"{patient.family_name} {patient.given_name}")
        patient.search_name_reversed = _search_key(f"{patient.given_name} {patient.family_name}")
        patient.health_number_key = _health_number_key(patient.health_number or "")
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_update(batch, fields)
            batch.clear()
    if batch:
        Patient.objects.bulk_update(batch, fields)


def create_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS patient_hn_key_pattern "
            "ON patients_patient (clinic_id, health_number_key text_pattern_ops)"
        )


def drop_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS patient_hn_key_pattern")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0006_episode_discharge_reason_outcome"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="patient",
            options={"ordering": ["search_name", "id"]},
        ),
        migrations.AddField(
            model_name="patient",
            name="health_number_key",
            field=models.CharField(default="", editable=False, max_length=30),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(
                fields=["clinic", "health_number_key"], name="patient_clinic_hn_key"
            ),
        ),
        migrations.RunPython(refill_keys, migrations.RunPython.noop),
        migrations.RunPython(create_pattern_index, drop_pattern_index),
    ]

# Appointments moved to the scheduling app (scheduling/migrations/0002 copied every row,
# ids kept, so audit events naming "Appointment <id>" still point at the same one).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_precautions_table_fields"),
        ("scheduling", "0002_copy_patients_appointments"),
    ]

    operations = [
        migrations.DeleteModel(name="Appointment"),
    ]

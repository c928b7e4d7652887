"""Issued invoices, their lines, credit notes and payments are read-only in the database.

The trigger SQL lives in imsclinic/billing/guards.py, shared with the post-migrate hook
that reinstalls the SQLite triggers after a table rebuild.
"""

from django.db import migrations


def install(apps, schema_editor):
    from imsclinic.billing.guards import install_billing_guards

    install_billing_guards(schema_editor.connection)


def uninstall(apps, schema_editor):
    from imsclinic.billing.guards import drop_billing_guards

    drop_billing_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_billing")]

    operations = [migrations.RunPython(install, uninstall)]

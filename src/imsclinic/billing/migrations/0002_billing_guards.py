"""Issued invoices, their lines, credit notes and payments are read-only in the database.

The guard triggers are installed after every migrate by billing's post_migrate hook
(billing/apps.py, from billing/guards.py), because SQLite drops a table's triggers when a
migration rebuilds the table; this migration has nothing to create. Its reverse drops the
guards by the names they had when it was written (migrations import no application code).
"""

from django.db import migrations

# (trigger, table) as billing/guards.py named them when this migration was written.
TRIGGERS = {
    "postgresql": [
        ("billing_invoice_issued_readonly", "billing_invoice"),
        ("billing_invoiceline_issued_readonly", "billing_invoiceline"),
        ("billing_creditnote_append_only", "billing_creditnote"),
        ("billing_payment_append_only", "billing_payment"),
    ],
    "sqlite": [
        ("billing_invoice_issued_readonly", "billing_invoice"),
        ("billing_invoiceline_issued_insert", "billing_invoiceline"),
        ("billing_invoiceline_issued_update", "billing_invoiceline"),
        ("billing_creditnote_append_only", "billing_creditnote"),
        ("billing_payment_append_only", "billing_payment"),
    ],
}


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, table in TRIGGERS.get(vendor, []):
        on = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}{on}")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_billing")]

    operations = [migrations.RunPython(migrations.RunPython.noop, uninstall)]

"""Each insertion carries its needle lot's recall key (rules/lots.py), indexed per clinic,
so a lot recall finds every session of a lot among millions of insertions (issue 19).

Existing rows get their key here. Most insertions belong to signed sessions, whose child
rows the guard triggers keep read-only, so the fill lifts the guards (by the names they
had when this migration was written) and changes only the derived key column, in one
set-based UPDATE joined to a temporary table of (lot, key) pairs; ``updated_at`` and the
signed content (which hashes ``needle_lot``, not its key) are left alone. The guards come
back at the end of the same ``migrate`` run (the post_migrate hook, security/apps.py), so
run it, as docs/deployment.md says, before the new version serves requests. The key
function is frozen here as rules/lots.py defined it (migrations import no app code).
"""

import importlib
import re
import unicodedata

from django.db import migrations, models

# Literal SQL only: the table names are constants of this file, the lots are parameters.
SELECT_LOTS = "SELECT DISTINCT needle_lot, needle_lot_key FROM charting_insertion"
CREATE_PAIRS = "CREATE TEMPORARY TABLE imsclinic_lot_key_pairs (lot varchar(40) PRIMARY KEY, lot_key varchar(64))"
INSERT_PAIR = "INSERT INTO imsclinic_lot_key_pairs (lot, lot_key) VALUES (%s, %s)"
UPDATE_KEYS = (
    "UPDATE charting_insertion SET needle_lot_key = k.lot_key FROM imsclinic_lot_key_pairs k "
    "WHERE k.lot = charting_insertion.needle_lot AND charting_insertion.needle_lot_key <> k.lot_key"
)
DROP_PAIRS = "DROP TABLE imsclinic_lot_key_pairs"
_NOT_KEY = re.compile(r"[^A-Z0-9]+")


def lot_key(text):
    key = _NOT_KEY.sub("", unicodedata.normalize("NFKC", text).upper())
    if key.startswith("LOT") and len(key) > 3:
        key = key[3:]
    return key[:64]


def fill_keys(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(SELECT_LOTS)
        wrong = {lot: lot_key(lot) for lot, key in cursor.fetchall() if lot_key(lot) != key}
        if not wrong:
            return
        guards = importlib.import_module("imsclinic.charting.migrations.0002_signed_note_triggers")
        guards.drop_signed_note_guards(connection)
        cursor.execute(CREATE_PAIRS)
        cursor.executemany(INSERT_PAIR, list(wrong.items()))
        cursor.execute(UPDATE_KEYS)
        cursor.execute(DROP_PAIRS)
    if connection.vendor == "postgresql":
        # PostgreSQL refuses to build an index on a table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("charting", "0007_rollup_farrar_responder"),
        ("core", "0003_audit_chain_per_clinic"),
    ]

    operations = [
        migrations.AddField(
            model_name="insertion",
            name="needle_lot_key",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="insertion",
            index=models.Index(
                fields=["clinic", "needle_lot_key", "session"], name="insertion_clinic_lot"
            ),
        ),
    ]

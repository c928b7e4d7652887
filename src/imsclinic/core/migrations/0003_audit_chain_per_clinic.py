"""One audit chain per clinic (plus one for events without a clinic) instead of one global chain.

Until now every audited action in every clinic locked the one ``AuditChainHead`` row, which
serialized all clinics on one row and kept the audit table from sharding by clinic. This
migration:

1. verifies the old global chain as it stands (refusing to re-base a broken chain, which
   would launder the tampering: see ``IMSCLINIC_AUDIT_REBASE_BROKEN`` below);
2. re-chains the existing rows per clinic in id order: new ``seq`` (1, 2, 3 ... per clinic),
   ``prev_hash`` and ``row_hash``, with the append-only trigger disabled for that UPDATE;
3. replaces the single head with one head per chain, and makes ``seq`` unique per chain.

It prints the old global head and every new head: record them off-site (docs/audit.md,
"Chains re-based at core migration 0003").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from typing import Any

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

BATCH = 1000
OVERRIDE = "IMSCLINIC_AUDIT_REBASE_BROKEN"


# Frozen copy of the row hash as docs/audit.md defines it (core/audit.py at the time of this
# migration): a migration must keep working when the application code it ran with changes.
GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "clinic_id",
    "user_id",
    "username",
    "role",
    "action",
    "source",
    "patient_id",
    "object_type",
    "object_id",
    "outcome",
    "address",
    "detail",
)


def row_digest(values: dict[str, Any], prev_hash: str) -> str:
    canonical = {name: values[name] for name in HASHED_FIELDS}
    canonical["at"] = values["at"].astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical["prev_hash"] = prev_hash
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _values(event: Any, seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": event.at,
        "clinic_id": event.clinic_id,
        "user_id": event.user_id,
        "username": event.username,
        "role": event.role,
        "action": event.action,
        "source": event.source,
        "patient_id": event.patient_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "address": event.address,
        "detail": event.detail,
    }


def _old_chain_problems(AuditEvent: Any, AuditChainHead: Any) -> tuple[list[str], int, str]:
    """The global chain's problems as core migration 0002 left it, and its head."""
    problems = []
    unchained = AuditEvent.objects.filter(seq__isnull=True).count()
    if unchained:
        problems.append(f"{unchained} row(s) without a chain position")
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator(BATCH):
        if event.seq != expected_seq:
            problems.append(f"rows {expected_seq}..{event.seq - 1} missing")
        if row_digest(_values(event, event.seq), event.prev_hash) != event.row_hash:
            problems.append(f"row {event.seq} (id {event.pk}) altered")
        elif event.seq == expected_seq and event.prev_hash != expected_prev:
            problems.append(f"row {event.seq} (id {event.pk}) does not link to its predecessor")
        expected_prev, expected_seq = event.row_hash, event.seq + 1
    heads = list(AuditChainHead.objects.order_by("id"))
    head_seq = heads[0].seq if heads else 0
    head_hash = (heads[0].last_hash if heads else "") or GENESIS_HASH
    if len(heads) > 1:
        problems.append(f"{len(heads)} chain heads instead of one")
    if head_seq != expected_seq - 1 or (head_seq and head_hash != expected_prev):
        problems.append(
            f"the chain head ({head_seq}) does not match the last row ({expected_seq - 1})"
        )
    return problems, head_seq, head_hash


def _rechain(AuditEvent: Any, key: Any) -> dict[Any, tuple[int, str]]:
    """Re-chain every row in id order, each chain keyed by ``key(event)``; return the heads."""
    heads: dict[Any, tuple[int, str]] = {}
    last_id = 0
    # Batches by id range, each read in full before it is updated: no open cursor over
    # the rows being rewritten.
    while batch := list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:BATCH]):
        for event in batch:
            seq, prev_hash = heads.get(key(event), (0, GENESIS_HASH))
            seq += 1
            event.seq, event.prev_hash = seq, prev_hash
            event.row_hash = row_digest(_values(event, seq), prev_hash)
            heads[key(event)] = (seq, event.row_hash)
        AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "row_hash"])
        last_id = batch[-1].pk
    return heads


class _TriggerOff:
    """Disable the append-only trigger (PostgreSQL) around the re-chaining UPDATE."""

    def __init__(self, schema_editor: Any) -> None:
        self.connection = schema_editor.connection
        self.postgres = self.connection.vendor == "postgresql"

    def _run(self, *statements: str) -> None:
        if self.postgres:
            with self.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def __enter__(self) -> None:
        # ALTER TABLE refuses to run while deferred FK checks are pending in the transaction.
        self._run(
            "SET CONSTRAINTS ALL IMMEDIATE", "ALTER TABLE core_auditevent DISABLE TRIGGER USER"
        )

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:  # on an error the rollback restores the trigger
            self._run("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


def _say(message: str) -> None:
    # Shown by `imsclinic migrate`; quiet under the test runner's migrate.
    if "pytest" not in sys.modules:
        sys.stdout.write(f"\n  {message}")


def chain_per_clinic(apps: Any, schema_editor: Any) -> None:
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    problems, old_seq, old_hash = _old_chain_problems(AuditEvent, AuditChainHead)
    if problems and os.environ.get(OVERRIDE) != "1":
        raise RuntimeError(
            "The audit chain is broken; re-chaining it per clinic would hide that: "
            + "; ".join(problems[:20])
            + f". Investigate (imsclinic audit verify, backups) before upgrading; set {OVERRIDE}=1"
            " to re-base anyway, and keep this message with the incident record."
        )
    if problems:
        _say(f"Audit chain was BROKEN before re-basing ({OVERRIDE}=1): " + "; ".join(problems))
    if old_seq:
        # Worth keeping with the upgrade record; a new, empty database has nothing to say.
        _say(f"Old global audit chain head: {old_seq} {old_hash}\n")
    with _TriggerOff(schema_editor):
        heads = _rechain(AuditEvent, lambda event: event.clinic_id)
    AuditChainHead.objects.all().delete()
    AuditChainHead.objects.bulk_create(
        AuditChainHead(clinic_id=clinic_id, seq=seq, last_hash=last_hash)
        for clinic_id, (seq, last_hash) in sorted(heads.items(), key=lambda h: h[0] or 0)
    )
    for clinic_id, (seq, last_hash) in sorted(heads.items(), key=lambda h: h[0] or 0):
        _say(f"New audit chain head, clinic id {clinic_id}: {seq} {last_hash}")
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # before the ALTER TABLEs that follow


def one_global_chain(apps: Any, schema_editor: Any) -> None:
    """Reverse: back to one global chain (head id 1), re-chained in id order."""
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    with _TriggerOff(schema_editor):
        heads = _rechain(AuditEvent, lambda event: None)
    seq, last_hash = heads.get(None, (0, GENESIS_HASH))
    AuditChainHead.objects.all().delete()
    AuditChainHead.objects.create(pk=1, seq=seq, last_hash=last_hash)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_chain_and_mfa_flag"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchainhead",
            name="clinic",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.clinic",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(chain_per_clinic, one_global_chain),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.UniqueConstraint(
                django.db.models.functions.comparison.Coalesce("clinic", models.Value(0)),
                name="audit_one_head_per_chain",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("clinic", "seq"), name="audit_seq_per_clinic"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("clinic__isnull", True)),
                fields=("seq",),
                name="audit_seq_no_clinic",
            ),
        ),
    ]

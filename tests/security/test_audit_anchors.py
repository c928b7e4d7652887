"""Deletion at the ends of an audit chain: a clinic's whole chain removed, or its tail cut
and its head set back. Both left `audit verify` saying "OK"; the first is now reported
from the clinic's records alone, and anchors kept outside the database (`audit anchor`)
expose both, and a rewritten chain."""

from __future__ import annotations

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.models import AuditChainHead, AuditEvent
from tests.factories import make_actor, make_patient, make_practitioner


def _raw(*statements: tuple[str, list[object]]) -> None:
    """As someone with a SQL prompt: past the app, with the append-only trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER auditevent_append_only")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER auditevent_append_only")


def _verify(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _broken(*args: str) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


@pytest.fixture
def chain(actor, clinic):
    for _ in range(5):
        make_patient(actor)
    return clinic


@pytest.fixture
def anchors(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    call_command("audit", "anchor", "--output", str(path), stderr=io.StringIO())
    return path


def _delete_whole_chain(clinic) -> None:
    _raw(
        ("DELETE FROM core_auditevent WHERE clinic_id = %s", [clinic.pk]),
        ("DELETE FROM core_auditchainhead WHERE clinic_id = %s", [clinic.pk]),
    )


def _cut_tail(clinic, keep: int) -> None:
    kept = AuditEvent.objects.get(clinic=clinic, seq=keep)
    _raw(
        ("DELETE FROM core_auditevent WHERE clinic_id = %s AND seq > %s", [clinic.pk, keep]),
        (
            "UPDATE core_auditchainhead SET seq = %s, last_hash = %s WHERE clinic_id = %s",
            [keep, kept.row_hash, clinic.pk],
        ),
    )


def test_a_clinic_with_records_but_no_chain_is_reported(chain):
    _delete_whole_chain(chain)
    report = audit_chain_verify()
    assert [(p.kind, p.chain) for p in report.problems] == [("deleted", chain.slug)]
    assert "patient records but no audit chain" in report.problems[0].message
    assert f"[chain {chain.slug}]" in _broken()


def test_a_clinic_without_records_or_events_is_fine(chain, other_clinic):
    # other_clinic has a practitioner but no patients and no events yet
    make_practitioner(other_clinic, "pt.new")
    assert audit_chain_verify().ok


def test_anchor_writes_every_chain_head_outside_the_database(chain, anchors, other_clinic):
    head = AuditChainHead.objects.get(clinic=chain)
    lines = [json.loads(line) for line in anchors.read_text().splitlines()]
    assert lines[0]["clinic_id"] == chain.pk and lines[0]["chain"] == chain.slug
    assert (lines[0]["seq"], lines[0]["hash"]) == (head.seq, head.last_hash)
    assert lines[0]["at"].endswith("+00:00") and lines[0]["anchored_at"]
    # Appended, not overwritten: the file keeps every anchoring
    make_patient(make_actor(make_practitioner(other_clinic, "pt.other")))
    call_command("audit", "anchor", "--output", str(anchors), stderr=io.StringIO())
    assert len(anchors.read_text().splitlines()) == 3
    out, _ = _verify("--anchors", str(anchors))
    assert "Anchors: 3 checked" in out and "Audit chain OK" in out


def test_anchor_by_email(chain, settings):
    settings.DEFAULT_FROM_EMAIL = "audit@clinic.example"
    call_command("audit", "anchor", "--email", "owner@clinic.example", stderr=io.StringIO())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@clinic.example"]
    head = AuditChainHead.objects.get(clinic=chain)
    assert head.last_hash in message.body and "audit verify --anchors" in message.body


def test_a_cut_tail_passes_alone_but_not_against_an_anchor(chain, anchors):
    _cut_tail(chain, keep=3)
    # The chain left behind is self-consistent: only an anchor can tell
    assert audit_chain_verify().ok
    err = _broken("--anchors", str(anchors))
    assert "DELETED" in err and "anchored row 5" in err and f"chain {chain.slug}" in err


def test_a_deleted_chain_is_reported_against_its_anchor(chain, anchors):
    _delete_whole_chain(chain)
    err = _broken("--anchors", str(anchors))
    assert "anchored row 5" in err and "is gone" in err


def test_a_rewritten_chain_is_reported_against_its_anchor(chain, anchors, actor):
    _cut_tail(chain, keep=2)
    for _ in range(4):  # new events 3..6 replace the old 3..5
        make_patient(actor)
    assert audit_chain_verify().ok
    err = _broken("--anchors", str(anchors))
    assert "ALTERED" in err and "has another hash now" in err


def test_a_malformed_anchor_file_is_refused_naming_the_line(chain, tmp_path):
    path = tmp_path / "anchors.jsonl"
    path.write_text('{"clinic_id": 1, "chain": "x", "seq": 1, "hash": "a"}\nnot json\n')
    with pytest.raises(CommandError, match="line 2"):
        _verify("--anchors", str(path))

"""The audit trail: complete events, a hash chain that exposes any tampering, append-only on
PostgreSQL, and the `audit verify` command."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from imsclinic.core.audit import GENESIS_HASH, audit_chain_verify, row_digest
from imsclinic.core.models import AuditChainHead, AuditEvent
from tests.factories import make_patient

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")


@pytest.fixture
def events(actor):
    for _ in range(4):
        make_patient(actor)
    return list(AuditEvent.objects.order_by("seq"))


def _raw(sql: str, params: list[object]) -> None:
    """Tamper as someone with a SQL prompt would: past the app, with the trigger off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER auditevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER auditevent_append_only")


def test_each_event_records_who_role_when_what_patient_outcome_and_address(events, practitioner):
    event = events[0]
    assert (event.user_id, event.username, event.role) == (
        practitioner.pk,
        practitioner.username,
        "practitioner",
    )
    assert event.action == "create" and event.object_type == "Patient"
    assert event.patient_id == event.object_id and event.outcome == "ok"
    assert event.address == "127.0.0.1" and event.source == "page"
    assert event.at.utcoffset().total_seconds() == 0  # stored in UTC


def test_rows_form_a_gapless_chain(events):
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.row_hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.last_hash) == (events[-1].seq, events[-1].row_hash)
    report = audit_chain_verify()
    assert report.ok and report.rows == len(events)


def test_row_hash_covers_every_recorded_field(events):
    event = events[1]
    values = {
        f: getattr(event, f)
        for f in (
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
    }
    assert row_digest(values, event.prev_hash) == event.row_hash
    for name, other in (("detail", "x"), ("patient_id", 999), ("outcome", "denied")):
        assert row_digest({**values, name: other}, event.prev_hash) != event.row_hash


def test_an_altered_row_is_reported(events):
    _raw("UPDATE core_auditevent SET patient_id = %s WHERE seq = %s", [424242, 2])
    report = audit_chain_verify()
    assert [(p.kind, p.seq) for p in report.problems] == [("altered", 2)]


def test_a_deleted_row_is_reported(events):
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [2])
    report = audit_chain_verify()
    assert [(p.kind, p.seq) for p in report.problems] == [("deleted", 3)]


def test_rows_cut_from_the_end_are_reported(events):
    _raw("DELETE FROM core_auditevent WHERE seq >= %s", [3])
    assert [p.kind for p in audit_chain_verify().problems] == ["truncated"]


def test_an_inserted_row_is_reported(events):
    last = events[-1]
    _raw(
        "INSERT INTO core_auditevent (at, username, role, action, source, object_type, outcome,"
        " detail, seq, prev_hash, row_hash) VALUES (%s, 'ghost', 'admin', 'view', 'page', '',"
        " 'ok', '', %s, %s, %s)",
        [last.at, last.seq + 1, last.row_hash, "f" * 64],
    )
    _raw(
        "INSERT INTO core_auditevent (at, username, role, action, source, object_type, outcome,"
        " detail, prev_hash, row_hash) VALUES (%s, 'ghost2', 'admin', 'view', 'page', '', 'ok',"
        " '', '', '')",
        [last.at],
    )
    kinds = sorted(p.kind for p in audit_chain_verify().problems)
    assert kinds == ["altered", "inserted", "inserted"]


def test_verify_command_exits_non_zero_on_tampering(events, capsys):
    call_command("audit", "verify")
    assert "Audit chain OK" in capsys.readouterr().out
    _raw("UPDATE core_auditevent SET username = %s WHERE seq = %s", ["someone.else", 1])
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")
    assert "ALTERED" in capsys.readouterr().err


def test_verify_command_runs_as_the_cli(events):
    from imsclinic.cli import main

    with pytest.raises(SystemExit) as exit_info:
        _raw("DELETE FROM core_auditevent WHERE seq = %s", [1])
        main(["audit", "verify"])
    assert exit_info.value.code != 0


def test_an_action_that_fails_leaves_no_event(actor):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_patient(actor)
        raise RuntimeError("the change fails after its audit row")
    assert AuditEvent.objects.count() == before
    assert audit_chain_verify().ok


@on_postgres
@pytest.mark.parametrize(
    "sql", ["UPDATE core_auditevent SET detail = 'x'", "DELETE FROM core_auditevent"]
)
def test_postgres_refuses_update_and_delete_of_audit_rows(events, sql):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@on_postgres
def test_concurrent_writers_keep_one_chain(transactional_db, actor):
    import threading

    from django.db import connections

    def write() -> None:
        try:
            for _ in range(5):
                make_patient(actor)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = audit_chain_verify()
    assert report.ok, report.problems
    assert report.rows >= 20

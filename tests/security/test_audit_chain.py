"""The audit trail: complete events, one hash chain per clinic that exposes any tampering,
append-only on PostgreSQL, and the `audit verify` command."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from imsclinic.core.audit import (
    GENESIS_HASH,
    NO_CLINIC,
    audit_account_event,
    audit_chain_verify,
    row_digest,
)
from imsclinic.core.models import AuditChainHead, AuditEvent
from tests.factories import make_actor, make_patient, make_practitioner

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")


@pytest.fixture
def events(actor):
    for _ in range(4):
        make_patient(actor)
    return list(AuditEvent.objects.filter(clinic=actor.clinic).order_by("seq"))


@pytest.fixture
def other_actor(other_clinic):
    return make_actor(make_practitioner(other_clinic, "pt.other"))


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


def test_rows_form_a_gapless_chain(events, clinic):
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.row_hash
    head = AuditChainHead.objects.get(clinic=clinic)
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


def test_an_altered_row_is_reported(events, clinic):
    _raw(
        "UPDATE core_auditevent SET patient_id = %s WHERE clinic_id = %s AND seq = %s",
        [424242, clinic.pk, 2],
    )
    report = audit_chain_verify()
    assert [(p.kind, p.seq, p.chain) for p in report.problems] == [("altered", 2, clinic.slug)]


def test_a_deleted_row_is_reported(events, clinic):
    _raw("DELETE FROM core_auditevent WHERE clinic_id = %s AND seq = %s", [clinic.pk, 2])
    report = audit_chain_verify()
    assert [(p.kind, p.seq) for p in report.problems] == [("deleted", 3)]


def test_rows_cut_from_the_end_are_reported(events, clinic):
    _raw("DELETE FROM core_auditevent WHERE clinic_id = %s AND seq >= %s", [clinic.pk, 3])
    assert [p.kind for p in audit_chain_verify().problems] == ["truncated"]


def test_an_inserted_row_is_reported(events, clinic):
    last = events[-1]
    _raw(
        "INSERT INTO core_auditevent (clinic_id, at, username, role, action, source, object_type,"
        " outcome, detail, seq, prev_hash, row_hash) VALUES (%s, %s, 'ghost', 'admin', 'view',"
        " 'page', '', 'ok', '', %s, %s, %s)",
        [clinic.pk, last.at, last.seq + 1, last.row_hash, "f" * 64],
    )
    _raw(
        "INSERT INTO core_auditevent (clinic_id, at, username, role, action, source, object_type,"
        " outcome, detail, prev_hash, row_hash) VALUES (%s, %s, 'ghost2', 'admin', 'view',"
        " 'page', '', 'ok', '', '', '')",
        [clinic.pk, last.at],
    )
    problems = audit_chain_verify().problems
    assert sorted(p.kind for p in problems) == ["altered", "inserted", "inserted"]
    assert {p.clinic_id for p in problems} == {clinic.pk}


def test_a_row_moved_to_another_clinic_is_reported_in_both_chains(events, clinic, other_actor):
    make_patient(other_actor)
    other = other_actor.clinic
    _raw(
        "UPDATE core_auditevent SET clinic_id = %s, seq = %s WHERE clinic_id = %s AND seq = %s",
        [other.pk, 99, clinic.pk, 2],
    )
    problems = audit_chain_verify().problems
    assert {(p.chain, p.kind) for p in problems} == {
        (clinic.slug, "deleted"),  # a gap where row 2 was
        (other.slug, "deleted"),  # rows 2..98 missing before it
        (other.slug, "altered"),  # its clinic and seq are hashed
        (other.slug, "inserted"),  # beyond the head
    }


def test_verify_command_exits_non_zero_on_tampering(events, clinic, capsys):
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Audit chain OK" in out
    head = AuditChainHead.objects.get(clinic=clinic)
    assert f"Chain {clinic.slug} (id {clinic.pk}): OK, 4 rows, head 4 {head.last_hash}" in out
    _raw(
        "UPDATE core_auditevent SET username = %s WHERE clinic_id = %s AND seq = %s",
        ["someone.else", clinic.pk, 1],
    )
    with pytest.raises(CommandError, match=f"BROKEN in {clinic.slug}"):
        call_command("audit", "verify")
    err = capsys.readouterr().err
    assert "ALTERED" in err and f"chain {clinic.slug}" in err and "Row 1 (id" in err


def test_verify_command_runs_as_the_cli(events, clinic):
    from imsclinic.cli import main

    with pytest.raises(SystemExit) as exit_info:
        _raw("DELETE FROM core_auditevent WHERE clinic_id = %s AND seq = %s", [clinic.pk, 1])
        main(["audit", "verify"])
    assert exit_info.value.code != 0


# One chain per clinic ---------------------------------------------------------------------


def test_seq_restarts_per_clinic_and_each_clinic_has_its_own_head(actor, other_actor):
    for _ in range(3):
        make_patient(actor)
        make_patient(other_actor)
    for clinic in (actor.clinic, other_actor.clinic):
        rows = list(AuditEvent.objects.filter(clinic=clinic).order_by("seq"))
        assert [e.seq for e in rows] == [1, 2, 3]
        assert rows[0].prev_hash == GENESIS_HASH
        assert all(e.prev_hash == p.row_hash for p, e in itertools.pairwise(rows))
        head = AuditChainHead.objects.get(clinic=clinic)
        assert (head.seq, head.last_hash) == (3, rows[-1].row_hash)
    report = audit_chain_verify()
    assert report.ok and report.rows == 6
    assert {c.chain for c in report.chains} == {actor.clinic.slug, other_actor.clinic.slug}


def test_tampering_in_one_clinic_is_reported_for_that_clinic_only(actor, other_actor, capsys):
    a, b = actor.clinic, other_actor.clinic
    for _ in range(3):
        make_patient(actor)
        make_patient(other_actor)
    _raw(
        "UPDATE core_auditevent SET detail = %s WHERE clinic_id = %s AND seq = %s",
        ["edited", a.pk, 2],
    )
    report = audit_chain_verify()
    assert [(p.chain, p.clinic_id, p.kind, p.seq) for p in report.problems] == [
        (a.slug, a.pk, "altered", 2)
    ]
    assert not report.chain(a.pk).ok and report.chain(b.pk).ok
    call_command("audit", "verify", "--clinic", b.slug)  # clinic B's chain still verifies
    out = capsys.readouterr().out
    assert f"Chain {b.slug}" in out and a.slug not in out
    with pytest.raises(CommandError, match=f"BROKEN in {a.slug}:"):
        call_command("audit", "verify", "--clinic", a.slug)
    with pytest.raises(CommandError, match=f"BROKEN in {a.slug}:"):
        call_command("audit", "verify")
    captured = capsys.readouterr()
    assert f"Chain {b.slug} (id {b.pk}): OK" in captured.out
    assert f"[chain {b.slug}]" not in captured.err


def test_verify_of_an_unknown_clinic_is_an_error(db):
    with pytest.raises(CommandError, match="No clinic"):
        call_command("audit", "verify", "--clinic", "nowhere")


def test_events_without_a_clinic_form_their_own_chain(actor):
    make_patient(actor)
    for address in ("192.0.2.1", "192.0.2.2"):
        audit_account_event(action="login_failed", username="nobody", address=address)
    rows = list(AuditEvent.objects.filter(clinic=None).order_by("seq"))
    assert [e.seq for e in rows] == [1, 2] and rows[0].prev_hash == GENESIS_HASH
    head = AuditChainHead.objects.get(clinic=None)
    assert (head.seq, head.last_hash) == (2, rows[-1].row_hash)
    assert AuditEvent.objects.get(clinic=actor.clinic).seq == 1
    report = audit_chain_verify()
    assert report.ok and report.chain(None).chain == NO_CLINIC and report.chain(None).rows == 2
    _raw("DELETE FROM core_auditevent WHERE clinic_id IS NULL AND seq = %s", [2])
    assert [(p.chain, p.kind) for p in audit_chain_verify().problems] == [(NO_CLINIC, "truncated")]


def test_one_head_per_chain_including_the_no_clinic_chain(actor):
    make_patient(actor)
    audit_account_event(action="login_failed", username="nobody")
    for clinic in (actor.clinic, None):
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditChainHead.objects.create(clinic=clinic, seq=0, last_hash=GENESIS_HASH)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(clinic=actor.clinic, action="view", source="page", seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(clinic=None, action="view", source="page", seq=1)


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
def test_concurrent_writers_in_two_clinics_all_succeed_on_their_own_chains(
    transactional_db, actor, other_actor
):
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def write(who) -> None:
        try:
            for _ in range(5):
                make_patient(who)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(who,)) for who in (actor, other_actor) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = audit_chain_verify()
    assert report.ok, report.problems
    for clinic in (actor.clinic, other_actor.clinic):
        assert report.chain(clinic.pk).rows == report.chain(clinic.pk).head_seq == 15


@on_postgres
def test_a_clinic_holding_its_chain_lock_does_not_block_another_clinic(
    transactional_db, actor, other_actor
):
    """Clinic A's open transaction holds A's head lock; clinic B still writes at once."""
    import threading

    from django.db import connections

    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def clinic_a() -> None:
        try:
            with transaction.atomic():
                make_patient(actor)  # locks A's chain head until commit
                locked.set()
                release.wait(10)
            outcome["a"] = "committed"
        except BaseException as exc:
            outcome["a"] = exc
            locked.set()
        finally:
            connections.close_all()

    def clinic_b() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
                make_patient(other_actor)
            outcome["b"] = "committed"
        except BaseException as exc:
            outcome["b"] = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=clinic_a)
    a.start()
    assert locked.wait(10)
    b = threading.Thread(target=clinic_b)
    b.start()
    b.join(15)
    release.set()
    a.join(15)
    assert outcome == {"a": "committed", "b": "committed"}
    assert audit_chain_verify().ok


# Core migration 0003: the global chain re-based into one chain per clinic -----------------

BEFORE_0003 = "0002_audit_chain_and_mfa_flag"
MIGRATION_0003 = "0003_audit_chain_per_clinic"


def _migrate_core(target: str | None = None) -> None:
    """Migrate the core app to ``target`` (default: every app to its latest migration)."""
    if target is None:
        _migrate_all()
        return
    call_command("migrate", "core", target, verbosity=0)
    if target == MIGRATION_0003:
        # Reversing 0003 also unapplied the later migrations that depend on it (charting,
        # safety): apply them again, so the tests after this one meet the whole schema.
        call_command("migrate", verbosity=0)


def _migrate_all() -> None:
    # Going back to core 0002 also unapplied the migrations that depend on core 0003
    # (the outcomes rollup table among them): bring every app forward again, so the tests
    # that run next in this process find the schema whole.
    call_command("migrate", verbosity=0)


def _old_chain_problems() -> tuple[list[str], int, str]:
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    migration = import_module(f"imsclinic.core.migrations.{MIGRATION_0003}")
    apps = MigrationLoader(connection).project_state(("core", BEFORE_0003)).apps
    return migration._old_chain_problems(
        apps.get_model("core", "AuditEvent"), apps.get_model("core", "AuditChainHead")
    )


def test_migration_0003_rechains_the_global_chain_per_clinic(transactional_db, actor, other_actor):
    a, b = actor.clinic, other_actor.clinic
    make_patient(actor)
    make_patient(other_actor)
    make_patient(actor)
    audit_account_event(action="login_failed", username="nobody")
    order = list(AuditEvent.objects.order_by("id").values_list("id", "clinic_id"))
    _migrate_core(BEFORE_0003)  # reversed: one global chain in id order, as before 0003
    try:
        problems, head_seq, _ = _old_chain_problems()
        assert (problems, head_seq) == ([], 4)
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM core_auditevent ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == [1, 2, 3, 4]
    finally:
        _migrate_all()
    assert list(AuditEvent.objects.order_by("id").values_list("id", "clinic_id")) == order
    report = audit_chain_verify()
    assert report.ok, report.problems
    assert [(c.chain, c.rows, c.head_seq) for c in report.chains] == [
        (a.slug, 2, 2),
        (b.slug, 1, 1),
        (NO_CLINIC, 1, 1),
    ]
    assert list(AuditEvent.objects.filter(clinic=a).order_by("id").values_list("seq")) == [
        (1,),
        (2,),
    ]
    make_patient(actor)  # the app carries on from the re-based head
    assert audit_chain_verify().ok and AuditChainHead.objects.get(clinic=a).seq == 3


def test_migration_0003_refuses_to_rebase_a_broken_chain(transactional_db, actor, monkeypatch):
    from importlib import import_module

    override = import_module(f"imsclinic.core.migrations.{MIGRATION_0003}").OVERRIDE
    monkeypatch.delenv(override, raising=False)
    make_patient(actor)
    make_patient(actor)
    _migrate_core(BEFORE_0003)
    try:
        _raw("UPDATE core_auditevent SET detail = %s WHERE seq = %s", ["edited", 1])
        assert _old_chain_problems()[0]
        with pytest.raises(RuntimeError, match="audit chain is broken"):
            _migrate_core(MIGRATION_0003)
    finally:
        monkeypatch.setenv(override, "1")  # the operator's explicit decision to re-base
        _migrate_all()
    assert audit_chain_verify().ok

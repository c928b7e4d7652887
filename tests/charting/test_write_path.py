"""The session write path stores exactly what the ORM would.

``session_record`` writes the session, its children and its audit event with raw INSERTs
(charting.actions ``_insert_returning_id`` / ``_insert_rows``, core.audit ``_append``) to
keep the hot path of the day cheap. Each row here is compared column by column with a
twin written by the ORM from the same values, so a representation the ORM would not
store (a decimal as text, a timestamp format, JSON) shows up on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from imsclinic.charting import actions
from imsclinic.charting.models import AdverseEvent, Insertion, RomMeasure, TreatmentSession
from imsclinic.core.audit import audit_account_event, audit_chain_verify
from imsclinic.core.models import AuditEvent
from tests.factories import insertion, make_patient, session_data

# Columns that differ between a row and its twin by construction.
_OWN = ("id", "created_at", "updated_at", "seq", "prev_hash", "row_hash", "sequence")


def _raw_row(model: type[Model], pk: int) -> dict[str, Any]:
    """The row as stored: on SQLite each value's storage class and SQL literal (the driver
    would parse timestamps and hide their text), on PostgreSQL the typed values."""
    quote = connection.ops.quote_name
    columns = [f.column for f in model._meta.concrete_fields]
    if connection.vendor == "sqlite":
        select = ", ".join(f"typeof({quote(c)}) || ' ' || quote({quote(c)})" for c in columns)
    else:
        select = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def _as_stored(prepared: Any) -> Any:
    """A prepared timestamp as _raw_row shows it."""
    return f"text '{prepared}'" if connection.vendor == "sqlite" else prepared


def _assert_stored_as_the_orm_would(obj: Model, **twin_overrides: Any) -> None:
    """``obj``'s stored row equals that of an ORM-created twin with the same field values
    (but ``twin_overrides``, columns unique per row), and its timestamps are stored as the
    ORM stores the values it reads back."""
    model = type(obj)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    loaded = model.objects.get(pk=obj.pk)
    twin = model.objects.create(
        **{**{f.attname: getattr(loaded, f.attname) for f in fields}, **twin_overrides}
    )
    ours, theirs = _raw_row(model, obj.pk), _raw_row(model, twin.pk)
    assert ours.keys() == theirs.keys()
    assert {k: v for k, v in ours.items() if k not in _OWN} == {
        k: v for k, v in theirs.items() if k not in _OWN
    }
    for f in fields:
        if f.get_internal_type() == "DateTimeField" and getattr(loaded, f.attname) is not None:
            prepared = f.get_db_prep_save(getattr(loaded, f.attname), connection)
            assert ours[f.column] == _as_stored(prepared), f.name


def test_session_and_children_are_stored_as_the_orm_would(actor, patient, episode):
    data = session_data(
        episode,
        insertions=[
            insertion("lumbar_paraspinals", "left", "l5", needle_lot="  LOT-7 ", notes=" deep "),
            insertion("gluteus_medius", "right", needle_diameter_mm="0.3", twitch="weak"),
        ],
        rom=[
            {"movement": "lumbar_flexion", "degrees": 42.6},
            {"movement": "hip_flexion", "side": "left", "phase": "before", "degrees": 90},
        ],
        adverse_events=[
            {"kind": "bruising", "severity": "mild", "description": " small "},
            {"kind": "soreness", "severity": "significant", "action_taken": " ice "},
        ],
        notes="  charted  ",
        pain_after=None,
    )
    session = actions.session_record(actor=actor, patient=patient, data=data)

    # The instance returned is a saved one, equal to the row read back.
    assert session.pk is not None and not session._state.adding
    assert session._state.db == "default"
    loaded = TreatmentSession.objects.get(pk=session.pk)
    for f in TreatmentSession._meta.concrete_fields:
        assert getattr(session, f.attname) == getattr(loaded, f.attname), f.name
    assert loaded.notes == "charted" and loaded.pain_after is None and loaded.sequence == 1
    _assert_stored_as_the_orm_would(session, sequence=99)

    insertions = list(Insertion.objects.filter(session=session).order_by("position"))
    assert [(i.position, i.muscle_id, i.level, i.needle_lot, i.notes) for i in insertions] == [
        (0, "lumbar_paraspinals", "L5", "LOT-7", "deep"),
        (1, "gluteus_medius", "", "LOT-TEST-1", ""),
    ]
    assert [str(i.needle_diameter_mm) for i in insertions] == ["0.25", "0.30"]
    rom = list(RomMeasure.objects.filter(session=session).order_by("id"))
    assert [(r.phase, r.movement, r.side, r.degrees, r.assessment_id) for r in rom] == [
        ("after", "lumbar_flexion", "", 43, None),
        ("before", "hip_flexion", "left", 90, None),
    ]
    events = list(AdverseEvent.objects.filter(session=session).order_by("id"))
    assert [(e.kind, e.description, e.action_taken, e.episode_id) for e in events] == [
        ("bruising", "small", "", episode.pk),
        ("soreness", "", "ice", episode.pk),
    ]
    for row in [*insertions, *rom, *events]:
        assert row.clinic_id == actor.clinic.pk
        assert row.created_at == row.updated_at == insertions[0].created_at
        _assert_stored_as_the_orm_would(row)

    event = AuditEvent.objects.get(object_type="TreatmentSession", object_id=session.pk)
    assert (event.action, event.patient_id, event.detail) == ("create", patient.pk, "2 insertions")
    _assert_stored_as_the_orm_would(event, seq=None)


def _same_values(returned: Model, stored: Model) -> None:
    for f in type(stored)._meta.concrete_fields:
        ours, theirs = getattr(returned, f.attname), getattr(stored, f.attname)
        assert (ours, str(ours)) == (theirs, str(theirs)), f.name


def test_the_session_returned_carries_its_children_as_stored(actor, patient, episode):
    data = session_data(
        episode,
        insertions=[
            insertion("lumbar_paraspinals", "left", "l5", needle_lot=" LOT-7 "),
            insertion("gluteus_medius", "right", needle_diameter_mm="0.3"),
        ],
        rom=[{"movement": "lumbar_flexion", "degrees": 42.6}],
        adverse_events=[{"kind": "bruising", "severity": "mild", "description": " small "}],
    )
    session = actions.session_record(actor=actor, patient=patient, data=data)
    with CaptureQueriesContext(connection) as captured:
        children = {
            relation: list(getattr(session, relation).all())
            for relation in ("insertions", "rom", "adverse_events", "amendments")
        }
        assert session.insertions.count() == 2
    assert len(captured) == 0  # prefetched: what was written, not read back
    fresh = TreatmentSession.objects.prefetch_related(
        "insertions", "rom", "adverse_events", "amendments"
    ).get(pk=session.pk)
    for relation, rows in children.items():
        stored = list(getattr(fresh, relation).all())
        assert len(rows) == len(stored), relation
        for returned, row in zip(rows, stored, strict=True):
            assert not returned._state.adding and returned._state.db == "default"
            _same_values(returned, row)  # "0.30", as read back, not the "0.3" sent
    # Filtering still asks the database.
    assert session.insertions.filter(side="right").get().muscle_id == "gluteus_medius"
    updated = actions.session_update(
        actor=actor,
        session=session,
        data=session_data(episode, insertions=[insertion("deltoid", "left")]),
    )
    assert [i.muscle_id for i in updated.insertions.all()] == ["deltoid"]
    assert [r.pk for r in updated.rom.all()] == []
    signed = actions.session_sign(actor=actor, session=updated)
    assert [i.muscle_id for i in signed.insertions.all()] == ["deltoid"]


def test_a_session_without_rom_or_adverse_events_writes_no_statement_for_them(
    actor, patient, episode
):
    with CaptureQueriesContext(connection) as captured:
        session = actions.session_record(actor=actor, patient=patient, data=session_data(episode))
    statements = " ".join(query["sql"] for query in captured)
    assert "charting_rommeasure" not in statements
    assert "charting_adverseevent" not in statements
    assert Insertion.objects.filter(session=session).count() == 2


def test_session_update_rewrites_the_children(actor, patient, episode):
    session = actions.session_record(actor=actor, patient=patient, data=session_data(episode))
    updated = actions.session_update(
        actor=actor,
        session=session,
        data=session_data(
            episode,
            insertions=[insertion("gluteus_medius", "right")],
            rom=[{"movement": "lumbar_flexion", "degrees": 40}],
        ),
    )
    assert [(i.position, i.side) for i in updated.insertions.all()] == [(0, "right")]
    assert [r.degrees for r in updated.rom.all()] == [40]
    signed = actions.session_sign(actor=actor, session=updated)
    assert len(signed.content_hash) == 64


def test_audit_events_are_stored_as_the_orm_would(actor, clinic):
    make_patient(actor)  # the clinic's chain
    make_patient(replace(actor, address="2001:DB8:0:0::1"))  # stored in ipaddress's spelling
    # The no-clinic chain: its first event creates its head.
    returned = audit_account_event(action="login_failed", username="nobody", address="10.0.0.1")
    stored = AuditEvent.objects.get(pk=returned.pk)
    assert not returned._state.adding and returned._state.db == "default"
    for f in AuditEvent._meta.concrete_fields:
        assert getattr(returned, f.attname) == getattr(stored, f.attname), f.name
    assert (stored.clinic_id, stored.seq, stored.address) == (None, 1, "10.0.0.1")
    assert audit_chain_verify().ok
    event = AuditEvent.objects.filter(clinic=clinic).order_by("-seq").first()
    assert event is not None and event.address == "2001:db8::1"
    _assert_stored_as_the_orm_would(event, seq=None)
    _assert_stored_as_the_orm_would(stored, seq=None)

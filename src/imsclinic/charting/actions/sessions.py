"""Treatment sessions: record, update and sign, with their insertions, ROM rows and adverse
events written as raw rows (core/rawsql) in the action's transaction. Charting announces
written and signed sessions (charting.events); the rooms above act on them.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import DecimalField
from django.utils import timezone

from imsclinic.anatomy import Muscle
from imsclinic.charting import written
from imsclinic.charting.actions.checks import (
    _lock_unsigned,
    _require_author,
    _require_clinical,
    _sign,
)
from imsclinic.charting.actions.session_checks import _validate_session
from imsclinic.charting.events import session_signed, session_written
from imsclinic.charting.integrity import session_content
from imsclinic.charting.models import AdverseEvent, Insertion, RomMeasure, TreatmentSession
from imsclinic.charting.schemas import SessionIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record, records_refusals
from imsclinic.core.rawsql import insert_returning_id, insert_rows
from imsclinic.patients.models import Patient
from imsclinic.rules.lots import lot_key

_SESSION_COLUMNS = (
    "clinic_id",
    "patient_id",
    "episode_id",
    "practitioner_id",
    "session_date",
    "sequence",
    "pain_before",
    "pain_after",
    "notes",
    "acknowledged",
)
_INSERTION_COLUMNS = (
    "clinic_id",
    "session_id",
    "position",
    "muscle_id",
    "side",
    "level",
    "needle_diameter_mm",
    "needle_length_mm",
    "needle_lot",
    "needle_lot_key",
    "twitch",
    "sensation",
    "notes",
)
_ROM_COLUMNS = ("clinic_id", "session_id", "phase", "movement", "side", "degrees")
_ADVERSE_COLUMNS = (
    "clinic_id",
    "session_id",
    "episode_id",
    "kind",
    "severity",
    "description",
    "action_taken",
)


def _write_session_children(
    session: TreatmentSession, data: SessionIn, resolved: list[tuple[Muscle, str]]
) -> None:
    clinic_id = session.clinic_id
    session_id = session.pk
    now = timezone.now()  # every child's created_at and updated_at
    diameter = Insertion._meta.get_field("needle_diameter_mm")
    assert isinstance(diameter, DecimalField)
    adapt_decimal = connections[DEFAULT_DB_ALIAS].ops.adapt_decimalfield_value
    insertions = [
        (
            clinic_id,
            session_id,
            index,
            muscle.id,
            row.side,
            level,
            adapt_decimal(
                diameter.to_python(row.needle_diameter_mm),
                diameter.max_digits,
                diameter.decimal_places,
            ),
            row.needle_length_mm,
            row.needle_lot.strip(),
            lot_key(row.needle_lot),
            row.twitch,
            row.sensation,
            row.notes.strip(),
        )
        for index, (row, (muscle, level)) in enumerate(zip(data.insertions, resolved, strict=True))
    ]
    rom = [
        (
            clinic_id,
            session_id,
            row.phase or "after",
            row.movement,
            row.side,
            round(row.degrees),
        )
        for row in data.rom
    ]
    events = [
        (
            clinic_id,
            session_id,
            session.episode_id,
            event.kind,
            event.severity,
            event.description.strip(),
            event.action_taken.strip(),
        )
        for event in data.adverse_events
    ]
    # The session returned carries what was written (charting/written.py).
    children = {}
    for relation, model, columns, rows in (
        ("insertions", Insertion, _INSERTION_COLUMNS, insertions),
        ("rom", RomMeasure, _ROM_COLUMNS, rom),
        ("adverse_events", AdverseEvent, _ADVERSE_COLUMNS, events),
    ):
        ids = insert_rows(model, columns, rows, now, returning=True)
        children[relation] = written.instances(model, columns, rows, ids, now)
    written.carry(session, **children, amendments=[])


@records_refusals
@transaction.atomic
def session_record(*, actor: Actor, patient: Patient, data: SessionIn) -> TreatmentSession:
    _require_clinical(actor)
    episode, resolved = _validate_session(actor, patient, data)
    sequence = episode.sessions_so_far + 1
    # What TreatmentSession.objects.create(...) would do, with one raw INSERT (see
    # insert_returning_id): the instance returned is the same, saved, with its id.
    session = TreatmentSession(
        clinic=actor.clinic,
        patient=patient,
        episode_id=episode.id,
        practitioner=actor.user,
        session_date=data.session_date,
        sequence=sequence,
        pain_before=data.pain_before,
        pain_after=data.pain_after,
        notes=data.notes.strip(),
        acknowledged=sorted(set(data.acknowledged)),
    )
    session.created_at = session.updated_at = now = timezone.now()
    session.pk = insert_returning_id(
        TreatmentSession,
        _SESSION_COLUMNS,
        [getattr(session, name) for name in _SESSION_COLUMNS],
        now,
    )
    session._state.adding = False
    session._state.db = connection.alias
    _write_session_children(session, data, resolved)
    session_written.send(
        sender=TreatmentSession, actor=actor, session=session, data=data, created=True
    )
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient.pk,
        obj=session,
        detail=f"{len(resolved)} insertions",
    )
    return session


@records_refusals
@transaction.atomic
def session_update(*, actor: Actor, session: TreatmentSession, data: SessionIn) -> TreatmentSession:
    _require_clinical(actor)
    locked = _lock_unsigned(TreatmentSession, session.pk)
    assert isinstance(locked, TreatmentSession)
    _require_author(actor, locked, "edit")
    patient = locked.patient
    episode, resolved = _validate_session(actor, patient, data)
    Insertion.objects.filter(session=locked).delete()
    RomMeasure.objects.filter(session=locked).delete()
    AdverseEvent.objects.filter(session=locked).delete()
    locked.episode_id = episode.id
    locked.session_date = data.session_date
    locked.pain_before = data.pain_before
    locked.pain_after = data.pain_after
    locked.notes = data.notes.strip()
    locked.acknowledged = sorted(set(data.acknowledged))
    locked.save()
    _write_session_children(locked, data, resolved)
    session_written.send(
        sender=TreatmentSession, actor=actor, session=locked, data=data, created=False
    )
    audit_record(actor=actor, action="change", patient_id=patient.pk, obj=locked)
    return locked


@transaction.atomic
def session_sign(*, actor: Actor, session: TreatmentSession) -> TreatmentSession:
    _require_clinical(actor)
    locked = _lock_unsigned(TreatmentSession, session.pk)
    assert isinstance(locked, TreatmentSession)
    _require_author(actor, locked, "sign")
    written.load_for_signing(locked, actor.user)
    _sign(actor, locked, session_content(locked))
    session_signed.send(sender=TreatmentSession, actor=actor, session=locked)
    return locked


# Amendments -------------------------------------------------------------------------


def session_check(*, actor: Actor, patient: Patient, data: SessionIn) -> None:
    with transaction.atomic():  # the episode facts lock the episode row on PostgreSQL
        _validate_session(actor, patient, data)

"""The one write path for episodes, assessments, treatment sessions and amendments.

Pages, the JSON API and management commands all call these functions. Each runs in a
transaction and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import DecimalField
from django.utils import timezone

from imsclinic.accounts.models import NeedlingAuthorization, Role
from imsclinic.anatomy import CHART_REGIONS, Muscle, get_catalog
from imsclinic.charting import written
from imsclinic.charting.events import session_signed, session_written
from imsclinic.charting.integrity import (
    assessment_content,
    content_hash,
    session_content,
)
from imsclinic.charting.models import (
    AdverseEvent,
    Amendment,
    Assessment,
    Episode,
    Insertion,
    MuscleFinding,
    NeuropathySign,
    RomMeasure,
    Side,
    TreatmentSession,
)
from imsclinic.charting.reasoning import resolve_muscle
from imsclinic.charting.safety import session_decision
from imsclinic.charting.schemas import (
    AmendmentIn,
    AssessmentIn,
    EpisodeIn,
    InsertionIn,
    RomIn,
    SessionIn,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record, records_refusals
from imsclinic.core.errors import (
    AcknowledgementRequired,
    PermissionDenied,
    Problems,
    RuleViolation,
    SignedNoteConflict,
    Warning_,
)
from imsclinic.core.rawsql import insert_returning_id, insert_rows
from imsclinic.patients.actions import local_today
from imsclinic.patients.models import Consent, Patient
from imsclinic.rules import ranges
from imsclinic.rules.lots import lot_key

_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")
SIDES = tuple(Side.values)
# Django rebuilds a choices' .values list on every access; these are read per insertion.
TWITCHES = frozenset(Insertion.Twitch.values)
SENSATIONS = tuple(Insertion.Sensation.values)


class _Dated(Protocol):
    @property
    def opened_on(self) -> dt.date: ...

    @property
    def closed_on(self) -> dt.date | None: ...


_E = TypeVar("_E", bound=_Dated)


def _require_clinical(actor: Actor) -> None:
    if actor.user.role not in (Role.PRACTITIONER, Role.ADMIN):
        raise PermissionDenied("Only practitioners chart clinical notes.")


def _check_date(problems: Problems, field: str, day: dt.date, label: str) -> None:
    if day > local_today():
        problems.add(
            field, "future", f"{label} cannot be in the future (today is {local_today()})."
        )


def _check_pain(problems: Problems, field: str, value: int | None) -> None:
    if value is None:
        return
    message = ranges.pain_problem(value)
    if message:
        problems.add(field, "out_of_range", message)


def _check_rom(problems: Problems, prefix: str, rows: Sequence[RomIn]) -> None:
    for index, row in enumerate(rows):
        message = ranges.rom_problem(row.movement, row.degrees)
        if message:
            problems.add(
                f"{prefix}.{index}.degrees"
                if row.movement in ranges.MOVEMENTS
                else f"{prefix}.{index}.movement",
                "out_of_range",
                message,
            )
        if row.side not in ("", *SIDES):
            problems.add(f"{prefix}.{index}.side", "invalid", "Side is 'left', 'right' or empty.")


def _check_level(problems: Problems, field: str, muscle: Muscle, level: str) -> str:
    valid = get_catalog().paraspinal_levels_for(muscle)
    if muscle.is_paraspinal:
        level = level.strip().upper()
        if not level:
            problems.add(
                field,
                "required",
                f"Give the spinal level for {muscle.name}, e.g. {valid[len(valid) // 2]}.",
            )
        elif level not in valid:
            problems.add(
                field,
                "invalid",
                f"{muscle.name} level must be one of {valid[0]}-{valid[-1]}; got '{level}'.",
            )
        return level
    if level.strip():
        problems.add(
            field,
            "not_paraspinal",
            f"A spinal level applies to paraspinal sites only; clear it for {muscle.name}.",
        )
    return ""


def _episode_for(
    problems: Problems, patient: Patient, episode_id: int, day: dt.date
) -> Episode | None:
    episode = (
        Episode.objects.filter(clinic_id=patient.clinic_id, patient=patient, pk=episode_id)
        .order_by()
        .first()
    )
    return _check_episode(problems, episode, day)


def _check_episode(problems: Problems, episode: _E | None, day: dt.date) -> _E | None:
    if episode is None:
        problems.add(
            "episode_id",
            "unknown",
            "Choose one of this patient's episodes of care (open one first if none).",
        )
        return None
    if day < episode.opened_on:
        problems.add(
            "episode_id",
            "before_episode",
            f"The episode opened on {episode.opened_on}; the date is earlier.",
        )
    if episode.closed_on is not None and day > episode.closed_on:
        problems.add(
            "episode_id",
            "episode_closed",
            f"The episode closed on {episode.closed_on}; reopen it or open a new one.",
        )
    return episode


# Episodes ---------------------------------------------------------------------------


@transaction.atomic
def episode_open(*, actor: Actor, patient: Patient, data: EpisodeIn) -> Episode:
    _require_clinical(actor)
    problems = Problems()
    code = data.condition_code.strip().upper()
    known = {c.code: c for c in get_catalog().conditions}
    label = data.condition_label.strip()
    if code in known:
        label = label or known[code].name
    elif not _ICD10.match(code):
        problems.add(
            "condition_code",
            "invalid",
            f"'{data.condition_code}' is not an ICD-10 code (e.g. M54.5).",
        )
    elif not label:
        problems.add("condition_label", "required", f"Name the condition for code {code}.")
    if data.affected_side not in ("", "left", "right", "bilateral"):
        problems.add(
            "affected_side", "invalid", "Affected side is left, right, bilateral or empty."
        )
    _check_date(problems, "opened_on", data.opened_on, "Episode start")
    if data.onset_date is not None:
        _check_date(problems, "onset_date", data.onset_date, "Onset date")
        if data.onset_date > data.opened_on:
            problems.add("onset_date", "after_start", "Onset cannot be after the episode start.")
    problems.raise_if_any()
    episode = Episode.objects.create(
        clinic=actor.clinic,
        patient=patient,
        practitioner=actor.user,
        condition_code=code,
        condition_label=label,
        affected_side=data.affected_side,
        onset_date=data.onset_date,
        opened_on=data.opened_on,
        goals=data.goals.strip(),
        referring_physician=data.referring_physician.strip(),
    )
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=episode)
    return episode


@transaction.atomic
def episode_close(*, actor: Actor, episode: Episode, closed_on: dt.date) -> Episode:
    _require_clinical(actor)
    problems = Problems()
    _check_date(problems, "closed_on", closed_on, "Discharge date")
    if closed_on < episode.opened_on:
        problems.add("closed_on", "before_start", "Discharge cannot precede the episode start.")
    problems.raise_if_any()
    episode.closed_on = closed_on
    episode.save(update_fields=["closed_on", "updated_at"])
    audit_record(
        actor=actor, action="change", patient_id=episode.patient_id, obj=episode, detail="closed"
    )
    return episode


# Assessments ------------------------------------------------------------------------


def _validate_assessment(
    patient: Patient, data: AssessmentIn
) -> tuple[Episode, list[tuple[Muscle, str]]]:
    problems = Problems()
    _check_date(problems, "assessed_on", data.assessed_on, "Assessment date")
    episode = _episode_for(problems, patient, data.episode_id, data.assessed_on)
    _check_pain(problems, "pain_now", data.pain_now)
    for index, mark in enumerate(data.pain_locations):
        if mark.region not in CHART_REGIONS:
            problems.add(
                f"pain_locations.{index}.region",
                "invalid",
                f"Unknown body-chart region '{mark.region}'.",
            )
        if mark.side not in SIDES:
            problems.add(f"pain_locations.{index}.side", "invalid", "Side is 'left' or 'right'.")
    resolved: list[tuple[Muscle, str]] = []
    for index, finding in enumerate(data.findings):
        muscle = resolve_muscle(problems, f"findings.{index}", finding.muscle, finding.level)
        if finding.side not in SIDES:
            problems.add(f"findings.{index}.side", "invalid", "Side is 'left' or 'right'.")
        if muscle is not None:
            level = _check_level(problems, f"findings.{index}.level", muscle, finding.level)
            resolved.append((muscle, level))
            abnormal = (
                finding.taut_band
                or finding.tender_motor_point
                or finding.shortened
                or finding.local_twitch
            )
            if finding.normal and abnormal:
                problems.add(
                    f"findings.{index}.normal",
                    "contradiction",
                    f"{muscle.name} is marked normal and abnormal; untick one.",
                )
            if not finding.normal and not abnormal:
                problems.add(
                    f"findings.{index}.taut_band",
                    "empty",
                    f"Tick at least one finding for {muscle.name}, or mark it normal.",
                )
    for index, sign in enumerate(data.signs):
        if sign.region not in CHART_REGIONS:
            problems.add(
                f"signs.{index}.region", "invalid", f"Unknown body-chart region '{sign.region}'."
            )
        if sign.side not in SIDES:
            problems.add(f"signs.{index}.side", "invalid", "Side is 'left' or 'right'.")
        if sign.kind not in NeuropathySign.Kind.values:
            problems.add(
                f"signs.{index}.kind",
                "invalid",
                f"Sign must be one of: {', '.join(NeuropathySign.Kind.values)}.",
            )
    _check_rom(problems, "rom", data.rom)
    problems.raise_if_any()
    assert episode is not None
    return episode, resolved


def _write_assessment_children(
    assessment: Assessment, data: AssessmentIn, resolved: list[tuple[Muscle, str]]
) -> None:
    clinic_id = assessment.clinic_id
    findings = MuscleFinding.objects.bulk_create(
        MuscleFinding(
            clinic_id=clinic_id,
            assessment=assessment,
            position=index,
            muscle_id=muscle.id,
            side=finding.side,
            level=level,
            taut_band=finding.taut_band,
            tender_motor_point=finding.tender_motor_point,
            shortened=finding.shortened,
            local_twitch=finding.local_twitch,
            normal=finding.normal,
            notes=finding.notes.strip(),
        )
        for index, (finding, (muscle, level)) in enumerate(
            zip(data.findings, resolved, strict=True)
        )
    )
    unique_signs = {(s.region, s.side, s.kind) for s in data.signs}
    signs = NeuropathySign.objects.bulk_create(
        NeuropathySign(clinic_id=clinic_id, assessment=assessment, region=r, side=s, kind=k)
        for r, s, k in sorted(unique_signs)
    )
    rom = RomMeasure.objects.bulk_create(
        RomMeasure(
            clinic_id=clinic_id,
            assessment=assessment,
            phase=RomMeasure.Phase.BASELINE,
            movement=row.movement,
            side=row.side,
            degrees=round(row.degrees),
        )
        for row in data.rom
    )
    written.carry(assessment, findings=findings, signs=signs, rom=rom, amendments=[])


def _pain_marks(data: AssessmentIn) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for mark in data.pain_locations:
        seen.setdefault((mark.region, mark.side), {"region": mark.region, "side": mark.side})
    return list(seen.values())


@transaction.atomic
def assessment_record(*, actor: Actor, patient: Patient, data: AssessmentIn) -> Assessment:
    _require_clinical(actor)
    episode, resolved = _validate_assessment(patient, data)
    assessment = Assessment.objects.create(
        clinic=actor.clinic,
        patient=patient,
        episode=episode,
        practitioner=actor.user,
        assessed_on=data.assessed_on,
        history=data.history.strip(),
        pain_now=data.pain_now,
        pain_locations=_pain_marks(data),
        notes=data.notes.strip(),
    )
    _write_assessment_children(assessment, data, resolved)
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=assessment)
    return assessment


def _lock_unsigned(
    model: type[Assessment] | type[TreatmentSession], pk: int
) -> Assessment | TreatmentSession:
    note = model.objects.select_for_update().get(pk=pk)
    if note.is_signed:
        raise SignedNoteConflict(
            f"This note was signed on {timezone.localtime(note.signed_at):%Y-%m-%d %H:%M} and is "
            "read-only. Add an amendment to correct it."
        )
    return note


def _require_author(actor: Actor, note: Assessment | TreatmentSession, verb: str) -> None:
    if note.practitioner_id != actor.user.pk:
        raise PermissionDenied(f"Only the note's author can {verb} it.")


@transaction.atomic
def assessment_update(*, actor: Actor, assessment: Assessment, data: AssessmentIn) -> Assessment:
    _require_clinical(actor)
    locked = _lock_unsigned(Assessment, assessment.pk)
    assert isinstance(locked, Assessment)
    _require_author(actor, locked, "edit")
    patient = locked.patient
    episode, resolved = _validate_assessment(patient, data)
    MuscleFinding.objects.filter(assessment=locked).delete()
    NeuropathySign.objects.filter(assessment=locked).delete()
    RomMeasure.objects.filter(assessment=locked).delete()
    locked.episode = episode
    locked.assessed_on = data.assessed_on
    locked.history = data.history.strip()
    locked.pain_now = data.pain_now
    locked.pain_locations = _pain_marks(data)
    locked.notes = data.notes.strip()
    locked.save()
    _write_assessment_children(locked, data, resolved)
    audit_record(actor=actor, action="change", patient_id=patient.pk, obj=locked)
    return locked


@transaction.atomic
def assessment_sign(*, actor: Actor, assessment: Assessment) -> Assessment:
    _require_clinical(actor)
    locked = _lock_unsigned(Assessment, assessment.pk)
    assert isinstance(locked, Assessment)
    _require_author(actor, locked, "sign")
    written.load_for_signing(locked, actor.user)
    locked.signed_at = timezone.now()
    locked.content_hash = content_hash(assessment_content(locked))
    locked.save(update_fields=["signed_at", "content_hash", "updated_at"])
    audit_record(actor=actor, action="sign", patient_id=locked.patient_id, obj=locked)
    return locked


# Treatment sessions -----------------------------------------------------------------


def _validate_insertion(
    problems: Problems, index: int, row: InsertionIn
) -> tuple[Muscle, str] | None:
    prefix = f"insertions.{index}"
    muscle = resolve_muscle(problems, prefix, row.muscle, row.level)
    if row.side not in SIDES:
        problems.add(f"{prefix}.side", "invalid", "Side is 'left' or 'right'.")
    for name, message in ranges.needle_problems(
        row.needle_diameter_mm, row.needle_length_mm
    ).items():
        problems.add(f"{prefix}.{name}", "out_of_range", message)
    if not row.needle_lot.strip():
        problems.add(
            f"{prefix}.needle_lot",
            "required",
            "Enter the needle lot number from the pack (for traceability).",
        )
    if row.twitch not in TWITCHES:
        problems.add(
            f"{prefix}.twitch", "invalid", "Record today's twitch response: none, weak or strong."
        )
    if row.sensation not in SENSATIONS:
        problems.add(
            f"{prefix}.sensation",
            "invalid",
            f"Record today's sensation: one of {', '.join(SENSATIONS)}.",
        )
    if muscle is None:
        return None
    level = _check_level(problems, f"{prefix}.level", muscle, row.level)
    return muscle, level


@dataclass(frozen=True)
class _EpisodeFacts:
    """An episode with what the needling rules must know about one day."""

    id: int
    opened_on: dt.date
    closed_on: dt.date | None
    consent_current: bool
    authorizations: frozenset[str]
    sessions_so_far: int


def _as_date(value: object) -> dt.date | None:
    # A raw cursor returns SQLite dates as ISO text and PostgreSQL dates as dates.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


_FACTS_SQL = """
SELECT e.id, e.opened_on, e.closed_on,
  EXISTS (SELECT 1 FROM {consent} c WHERE c.clinic_id = e.clinic_id AND c.patient_id = e.patient_id
          AND c.consented_on <= %s AND (c.withdrawn_on IS NULL OR c.withdrawn_on > %s)),
  EXISTS (SELECT 1 FROM {authorization} a WHERE a.practitioner_id = %s AND a.kind = %s
          AND a.valid_from <= %s AND (a.valid_until IS NULL OR a.valid_until >= %s)
          AND (a.revoked_on IS NULL OR a.revoked_on > %s)),
  EXISTS (SELECT 1 FROM {authorization} a WHERE a.practitioner_id = %s AND a.kind = %s
          AND a.valid_from <= %s AND (a.valid_until IS NULL OR a.valid_until >= %s)
          AND (a.revoked_on IS NULL OR a.revoked_on > %s)),
  (SELECT COUNT(*) FROM {session} s WHERE s.clinic_id = e.clinic_id AND s.episode_id = e.id)
FROM {episode} e WHERE e.clinic_id = %s AND e.patient_id = %s AND e.id = %s
"""


def _episode_facts(
    actor: Actor, patient: Patient, episode_id: int, day: dt.date
) -> _EpisodeFacts | None:
    """One query for the whole rule check: recording a session is the hot path of the day,
    and four ORM queries cost several times what the database does for them (make bench)."""
    sql = _FACTS_SQL.format(
        consent=Consent._meta.db_table,
        authorization=NeedlingAuthorization._meta.db_table,
        session=TreatmentSession._meta.db_table,
        episode=Episode._meta.db_table,
    )
    kinds = NeedlingAuthorization.Kind.values
    user_id = actor.user.pk
    params: list[Any] = [
        day,
        day,
        user_id,
        kinds[0],
        day,
        day,
        day,
        user_id,
        kinds[1],
        day,
        day,
        day,
        patient.clinic_id,
        patient.pk,
        episode_id,
    ]
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            # Lock the episode first, so two sessions charted for it at the same moment get
            # distinct numbers: the facts query that follows then sees the other's commit
            # (a subquery in the locking statement itself would read the older snapshot).
            # SQLite's IMMEDIATE write transactions already serialize writers.
            cursor.execute(
                f"SELECT id FROM {Episode._meta.db_table} WHERE clinic_id = %s AND id = %s FOR UPDATE",  # noqa: S608
                [patient.clinic_id, episode_id],
            )
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    opened_on = _as_date(row[1])
    assert opened_on is not None
    authorized = frozenset(kind for kind, flag in zip(kinds, (row[4], row[5]), strict=True) if flag)
    return _EpisodeFacts(row[0], opened_on, _as_date(row[2]), bool(row[3]), authorized, int(row[6]))


def _validate_session(
    actor: Actor, patient: Patient, data: SessionIn
) -> tuple[_EpisodeFacts, list[tuple[Muscle, str]]]:
    problems = Problems()
    _check_date(problems, "session_date", data.session_date, "Session date")
    episode = _check_episode(
        problems,
        _episode_facts(actor, patient, data.episode_id, data.session_date),
        data.session_date,
    )
    _check_pain(problems, "pain_before", data.pain_before)
    _check_pain(problems, "pain_after", data.pain_after)
    resolved: list[tuple[Muscle, str]] = []
    for index, row in enumerate(data.insertions):
        result = _validate_insertion(problems, index, row)
        if result is not None:
            resolved.append(result)
    _check_rom(problems, "rom", data.rom)
    for index, rom in enumerate(data.rom):
        if rom.phase not in ("", "before", "after"):
            problems.add(
                f"rom.{index}.phase", "invalid", "ROM phase is 'before' or 'after' needling."
            )
    for index, event in enumerate(data.adverse_events):
        if event.kind not in AdverseEvent.Kind.values:
            problems.add(
                f"adverse_events.{index}.kind",
                "invalid",
                f"Adverse event kind must be one of: {', '.join(AdverseEvent.Kind.values)}.",
            )
        if event.severity not in AdverseEvent.Severity.values:
            problems.add(
                f"adverse_events.{index}.severity",
                "invalid",
                "Severity is mild, significant or serious.",
            )
        elif event.severity != "mild" and not event.action_taken.strip():
            problems.add(
                f"adverse_events.{index}.action_taken",
                "required",
                "Record the action taken for a significant or serious adverse event.",
            )
    problems.raise_if_any()
    assert episode is not None

    decision = session_decision(
        patient=patient,
        day=data.session_date,
        consent_current=episode.consent_current,
        authorizations=episode.authorizations,
        rows=data.insertions,
        resolved=resolved,
    )
    if data.insertions and decision.blocks:
        first = decision.blocks[0]
        refusal = RuleViolation(
            " ".join(issue.message for issue in decision.blocks), code=first.code, field=first.field
        )
        if any(issue.code.startswith("authorization_") for issue in decision.blocks):
            # Audited with the patient by core.audit.records_refusals (issue 16).
            refusal.refused_patient_id = patient.pk  # type: ignore[attr-defined]
            refusal.refused_object_type = "TreatmentSession"  # type: ignore[attr-defined]
        raise refusal
    missing = [w for w in decision.warnings if w.code not in data.acknowledged]
    if missing:
        raise AcknowledgementRequired([Warning_(w.code, w.message) for w in missing])
    return episode, resolved


# The session write path uses plain INSERTs (core/rawsql.py): recording a session is the
# hot path of the day, and building a model instance per row cost several times what the
# database does for the same statements (make bench).


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
            row.phase or RomMeasure.Phase.AFTER.value,
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
    locked.signed_at = timezone.now()
    locked.content_hash = content_hash(session_content(locked))
    locked.save(update_fields=["signed_at", "content_hash", "updated_at"])
    audit_record(actor=actor, action="sign", patient_id=locked.patient_id, obj=locked)
    session_signed.send(sender=TreatmentSession, actor=actor, session=locked)
    return locked


# Amendments -------------------------------------------------------------------------


@transaction.atomic
def amendment_add(
    *, actor: Actor, note: Assessment | TreatmentSession, data: AmendmentIn
) -> Amendment:
    _require_clinical(actor)
    problems = Problems()
    if not data.text.strip():
        problems.add("text", "required", "Write the correction.")
    if not data.reason.strip():
        problems.add("reason", "required", "Give the reason for the amendment.")
    problems.raise_if_any()
    if not note.is_signed:
        raise RuleViolation(
            "This note is not signed yet: edit it directly instead of amending.",
            code="note_not_signed",
        )
    _require_author(actor, note, "amend")
    amendment = Amendment.objects.create(
        clinic=actor.clinic,
        session=note if isinstance(note, TreatmentSession) else None,
        assessment=note if isinstance(note, Assessment) else None,
        author=actor.user,
        text=data.text.strip(),
        reason=data.reason.strip(),
    )
    audit_record(
        actor=actor,
        action="amend",
        patient_id=note.patient_id,
        obj=note,
        detail=f"amendment {amendment.pk}",
    )
    return amendment

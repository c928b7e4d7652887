"""Assessments: record, update and sign (findings, neuropathy signs, pain marks, ROM)."""

from __future__ import annotations

from django.db import transaction

from imsclinic.anatomy import Muscle
from imsclinic.charting import written
from imsclinic.charting.actions.checks import (
    _check_date,
    _check_level,
    _check_pain,
    _check_rom,
    _episode_for,
    _lock_unsigned,
    _require_author,
    _require_clinical,
    _sign,
)
from imsclinic.charting.integrity import assessment_content
from imsclinic.charting.models import Assessment, Episode, MuscleFinding, NeuropathySign, RomMeasure
from imsclinic.charting.reasoning import resolve_muscle
from imsclinic.charting.schemas import AssessmentIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.patients.models import Patient


def _validate_assessment(
    patient: Patient, data: AssessmentIn
) -> tuple[Episode, list[tuple[Muscle, str]]]:
    problems = Problems()
    _check_date(problems, "assessed_on", data.assessed_on, "Assessment date")
    episode = _episode_for(problems, patient, data.episode_id, data.assessed_on)
    _check_pain(problems, "pain_now", data.pain_now)
    # Regions, sides and sign kinds are checked by the schema (charting/vocabulary.py).
    resolved: list[tuple[Muscle, str]] = []
    for index, finding in enumerate(data.findings):
        muscle = resolve_muscle(problems, f"findings.{index}", finding.muscle, finding.level)
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
            phase="baseline",
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
    _sign(actor, locked, assessment_content(locked))
    return locked


# Treatment sessions -----------------------------------------------------------------


def assessment_check(*, patient: Patient, data: AssessmentIn) -> None:
    _validate_assessment(patient, data)

"""Episodes of care: open (condition, side, onset, goals) and close."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from imsclinic.anatomy import get_catalog
from imsclinic.charting.actions.checks import _ICD10, _check_date, _require_clinical
from imsclinic.charting.models import Episode
from imsclinic.charting.schemas import EpisodeIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.patients.models import Patient


def _episode_input(data: EpisodeIn) -> tuple[str, str]:
    """The episode's condition code and label, or every field problem at once."""
    problems = Problems()
    code = data.condition_code.strip().upper()
    known = {c.code: c for c in get_catalog().conditions}
    label = data.condition_label.strip()
    if not code:
        problems.add(
            "condition_code",
            "required",
            "Choose a condition from the list, or type its ICD-10 code (e.g. M54.5).",
        )
    elif code in known:
        label = label or known[code].name
    elif not _ICD10.match(code):
        problems.add(
            "condition_code",
            "invalid",
            f"'{data.condition_code}' is not an ICD-10 code (e.g. M54.5).",
        )
    elif not label:
        problems.add("condition_label", "required", f"Name the condition for code {code}.")
    _check_date(problems, "opened_on", data.opened_on, "Episode start")
    if data.onset_date is not None:
        _check_date(problems, "onset_date", data.onset_date, "Onset date")
        if data.onset_date > data.opened_on:
            problems.add("onset_date", "after_start", "Onset cannot be after the episode start.")
    problems.raise_if_any()
    return code, label


def episode_check(data: EpisodeIn) -> None:
    """What opening an episode checks in its input, without writing (for the page)."""
    _episode_input(data)


@transaction.atomic
def episode_open(*, actor: Actor, patient: Patient, data: EpisodeIn) -> Episode:
    _require_clinical(actor)
    code, label = _episode_input(data)
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

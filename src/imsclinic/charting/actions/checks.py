"""Checks and locks shared by every note: the clinical role, dates, pain scores, range of
motion rows, paraspinal levels, the episode a note belongs to, and the row lock, author
check and signature (content hash sealed in the audit chain) of a note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from django.utils import timezone

from imsclinic.accounts.models import Role
from imsclinic.anatomy import Muscle, get_catalog
from imsclinic.charting.integrity import content_hash
from imsclinic.charting.models import Assessment, Episode, TreatmentSession
from imsclinic.charting.schemas import RomIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.dates import local_today
from imsclinic.core.errors import PermissionDenied, Problems, SignedNoteConflict
from imsclinic.core.seals import sign_detail
from imsclinic.patients.models import Patient
from imsclinic.rules import ranges

_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")
# Closed vocabularies (side, twitch, sensation, ...) are checked by the input schemas
# (charting/vocabulary.py), not here.


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


def _sign(actor: Actor, note: Assessment | TreatmentSession, content: dict[str, Any]) -> None:
    """Sign: stamp, store the content hash, and seal that hash in the chained audit event
    (core/seals.py), so rewriting the note and its stored hash would still show."""
    note.signed_at = timezone.now()
    note.content_hash = content_hash(content)
    note.save(update_fields=["signed_at", "content_hash", "updated_at"])
    audit_record(
        actor=actor,
        action="sign",
        patient_id=note.patient_id,
        obj=note,
        detail=sign_detail(note.content_hash),
    )


def _require_author(actor: Actor, note: Assessment | TreatmentSession, verb: str) -> None:
    if note.practitioner_id != actor.user.pk:
        raise PermissionDenied(f"Only the note's author can {verb} it.")

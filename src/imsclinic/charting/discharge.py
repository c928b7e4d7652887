"""Discharging an episode of care: the date (the episode's ``closed_on``, through
``actions.episode_close``), the reason and the outcome (``patients.EpisodeDischarge``),
in one transaction with its audit event; and the page that does it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.charting import actions, selectors
from imsclinic.charting.models import Episode
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import DomainError, Problems, ValidationProblem
from imsclinic.core.form_input import field_errors
from imsclinic.core.permissions import CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.patients.models import EpisodeDischarge

NOTE_MAX = 2000


@transaction.atomic
def episode_discharge(
    *,
    actor: Actor,
    episode: Episode,
    closed_on: dt.date | None,
    reason: str,
    outcome: str,
    note: str = "",
) -> EpisodeDischarge:
    """Discharge an open episode; every problem of the input is reported at once."""
    problems = Problems()
    if not episode.is_open:
        problems.add(
            "closed_on",
            "already_closed",
            f"This episode was discharged on {episode.closed_on}; open a new episode for new care.",
        )
    if closed_on is None:
        problems.add("closed_on", "required", "Enter the discharge date as YYYY-MM-DD.")
    if reason not in EpisodeDischarge.Reason.values:
        problems.add("reason", "required", "Choose why the episode ends.")
    if outcome not in EpisodeDischarge.Outcome.values:
        problems.add("outcome", "required", "Choose the outcome at discharge.")
    if len(note) > NOTE_MAX:
        problems.add("note", "too_long", f"Keep the note to {NOTE_MAX} characters or fewer.")
    problems.raise_if_any()
    assert closed_on is not None
    actions.episode_close(actor=actor, episode=episode, closed_on=closed_on)
    discharge, _ = EpisodeDischarge.objects.update_or_create(
        clinic=actor.clinic,
        episode_id=episode.pk,
        defaults={
            "patient_id": episode.patient_id,
            "reason": reason,
            "outcome": outcome,
            "note": note.strip(),
        },
    )
    audit_record(
        actor=actor,
        action="create",
        patient_id=episode.patient_id,
        obj=discharge,
        detail=f"episode {episode.pk}: {reason}, {outcome}",
    )
    return discharge


def discharge_of(episode: Episode) -> EpisodeDischarge | None:
    if episode.is_open:
        return None
    return EpisodeDischarge.objects.filter(
        clinic_id=episode.clinic_id, episode_id=episode.pk
    ).first()


@clinic_view(roles=CLINICAL)
def episode_discharge_page(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    episode = selectors.episode_get(actor=actor, episode_id=episode_id)
    if not episode.is_open:
        return redirect("episode_progress", episode_id=episode.pk)
    values: dict[str, Any] = {"closed_on": timezone.localdate().isoformat()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "")[: NOTE_MAX + 1]
            for name in ("closed_on", "reason", "outcome", "note")
        }
        try:
            closed_on = _day(values["closed_on"])
            episode_discharge(
                actor=actor,
                episode=episode,
                closed_on=closed_on,
                reason=values["reason"],
                outcome=values["outcome"],
                note=values["note"],
            )
        except DomainError as exc:
            errors = field_errors(exc) if isinstance(exc, ValidationProblem) else {}
            errors["form"] = exc.message
        else:
            return redirect("episode_progress", episode_id=episode.pk)
    return render(
        request,
        "charting/episode_discharge.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "values": values,
            "errors": errors,
            "reasons": EpisodeDischarge.Reason.choices,
            "outcomes": EpisodeDischarge.Outcome.choices,
        },
        status=422 if errors else 200,
    )


def _day(value: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31) else None

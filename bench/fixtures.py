"""Synthetic people the benchmarks and the failover test write with, built through the
actions (the one write path): an authorized practitioner, a consented patient with an
open episode. Needs Django set up. Only synthetic data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from imsclinic.accounts.actions import authorization_add, user_create
from imsclinic.charting.actions import episode_open
from imsclinic.charting.schemas import EpisodeIn
from imsclinic.core.actors import Actor
from imsclinic.patients.actions import consent_record, patient_register
from imsclinic.patients.schemas import ConsentIn, PatientIn


def authorized_practitioner(clinic: Any, username: str, password: str) -> Actor:
    """A practitioner of ``clinic`` holding both needling authorizations, as an actor."""
    user = user_create(
        clinic=clinic,
        username=username,
        password=password,
        role="practitioner",
        check_password=False,
    )
    today = timezone.localdate()
    for kind in ("ims_certification", "restricted_activity"):
        authorization_add(
            practitioner=user,
            kind=kind,
            reference=f"B-{user.pk}",
            valid_from=today - dt.timedelta(days=5000),
            valid_until=None,
        )
    return Actor(user=user, clinic=clinic, source="command")


def consented_episode(
    actor: Actor, family_name: str, days: int, given_name: str = "Syn"
) -> tuple[Any, Any]:
    """A patient who consented ``days`` ago, with an episode (M54.2) opened that day."""
    since = timezone.localdate() - dt.timedelta(days=days)
    patient = patient_register(
        actor=actor,
        data=PatientIn(
            family_name=family_name, given_name=given_name, date_of_birth=dt.date(1970, 1, 1)
        ),
    )
    consent_record(
        actor=actor, patient=patient, data=ConsentIn(consented_on=since, text_version="ims-2026.1")
    )
    episode = episode_open(
        actor=actor, patient=patient, data=EpisodeIn(condition_code="M54.2", opened_on=since)
    )
    return patient, episode

"""Test data builders. Every name and number is synthetic."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from imsclinic.accounts.actions import authorization_add, clinic_create, user_create
from imsclinic.accounts.models import User
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import EpisodeIn, SessionIn
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.patients import actions as patients
from imsclinic.patients.schemas import ConsentIn, PatientIn

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def make_clinic(slug: str) -> Clinic:
    return clinic_create(name=f"Clinic {slug}", slug=slug)


def make_user(clinic: Clinic, username: str, role: str = "practitioner") -> User:
    return user_create(
        clinic=clinic,
        username=username,
        password=PASSWORD,
        role=role,
        first_name="Test",
        last_name=username.title(),
        check_password=False,
    )


def make_practitioner(
    clinic: Clinic,
    username: str,
    *,
    authorized_until: dt.date | None = None,
    kinds: tuple[str, ...] = ("ims_certification", "restricted_activity"),
) -> User:
    user = make_user(clinic, username)
    until = authorized_until if authorized_until is not None else today() + dt.timedelta(days=365)
    for kind in kinds:
        authorization_add(
            practitioner=user,
            kind=kind,
            reference=f"{kind[:3].upper()}-{user.pk}",
            valid_from=today() - dt.timedelta(days=400),
            valid_until=until,
        )
    return user


def make_actor(user: User, source: str = "page") -> Actor:
    assert user.clinic is not None
    return Actor(user=user, clinic=user.clinic, source=source, address="127.0.0.1")


def patient_data(**overrides: Any) -> PatientIn:
    n = next(_counter)
    values: dict[str, Any] = {
        "family_name": f"Synthetic{n}",
        "given_name": "Pat",
        "date_of_birth": dt.date(1980, 1, 1 + n % 27),
        "health_number": f"9{n:04d}-00000",
        "sex": "female",
    }
    values.update(overrides)
    return PatientIn(**values)


def make_patient(actor: Actor, **overrides: Any):
    return patients.patient_register(actor=actor, data=patient_data(**overrides))


def make_consented_patient(actor: Actor, **overrides: Any):
    patient = make_patient(actor, **overrides)
    patients.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(consented_on=today() - dt.timedelta(days=30), text_version="ims-2026.1"),
    )
    return patient


def make_episode(actor: Actor, patient, code: str = "M54.5"):
    return charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(condition_code=code, opened_on=today() - dt.timedelta(days=30)),
    )


def insertion(
    muscle: str = "gluteus_medius", side: str = "left", level: str = "", **extra: Any
) -> dict[str, Any]:
    row = {
        "muscle": muscle,
        "side": side,
        "level": level,
        "needle_diameter_mm": "0.25",
        "needle_length_mm": 50,
        "needle_lot": "LOT-TEST-1",
        "twitch": "strong",
        "sensation": "ache",
    }
    row.update(extra)
    return row


def session_data(
    episode, *, insertions: list[dict[str, Any]] | None = None, **overrides: Any
) -> SessionIn:
    values: dict[str, Any] = {
        "episode_id": episode.pk,
        "session_date": today(),
        "pain_before": 6,
        "pain_after": 3,
        "insertions": insertions
        if insertions is not None
        else [insertion("lumbar_paraspinals", "left", "L5"), insertion("gluteus_medius", "left")],
    }
    values.update(overrides)
    return SessionIn(**values)


def make_session(actor: Actor, patient, episode, **overrides: Any):
    return charting.session_record(
        actor=actor, patient=patient, data=session_data(episode, **overrides)
    )


def make_signed_session(actor: Actor, patient, episode, **overrides: Any):
    """A session signed by its author (the state the database guards protect)."""
    return charting.session_sign(
        actor=actor, session=make_session(actor, patient, episode, **overrides)
    )


def api_token(client, username: str, password: str = PASSWORD, otp: str = "") -> str:
    body = {"username": username, "password": password}
    if otp:
        body["otp"] = otp
    response = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]

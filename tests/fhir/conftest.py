"""FHIR test fixtures: a full IMS course built through the real actions, a bearer-token
client for /fhir/R4, and a check that a resource is valid R4 with codes from our lists."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from imsclinic.accounts.actions.tokens import _token_create
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import (
    AdverseEventIn,
    AmendmentIn,
    AssessmentIn,
    EpisodeIn,
    FindingIn,
    PainMarkIn,
    RomIn,
)
from imsclinic.fhir.codes import coding_problems
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.schemas import ResponseIn
from imsclinic.patients import actions as patients
from imsclinic.patients.schemas import ConsentIn, ConsentWithdrawIn
from tests.factories import insertion, make_patient, make_session, make_user, patient_data, today


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` parsed by the fhir.resources R4B model of its type (every field known,
    types and cardinalities right) and every coding on our code lists; returns it."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    assert coding_problems(resource) == [], coding_problems(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            if "resource" in entry:
                valid(entry["resource"])
    return resource


class Fhir:
    """/fhir/R4 with a bearer token (or none)."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if self.token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, data: Any = None, **extra: str):
        return self.client.get(f"/fhir/R4/{path}", data, **self.headers(**extra))

    def delete(self, path: str, **extra: str):
        return self.client.delete(f"/fhir/R4/{path}", **self.headers(**extra))

    def post(self, path: str, body: Any, content_type: str = "application/fhir+json", **extra: str):
        return self.client.post(
            f"/fhir/R4/{path}",
            json.dumps(body) if not isinstance(body, bytes | str) else body,
            content_type=content_type,
            **self.headers(**extra),
        )

    def json(self, path: str, data: Any = None, status: int = 200) -> dict[str, Any]:
        response = self.get(path, data)
        assert response.status_code == status, response.content[:2000]
        assert response["Content-Type"].startswith("application/fhir+json")
        return response.json()


def fhir_as(user) -> Fhir:
    return Fhir(Client(), _token_create(user)[0])


@pytest.fixture
def fhir(practitioner) -> Fhir:
    return fhir_as(practitioner)


@pytest.fixture
def admin(clinic):
    return make_user(clinic, "admin.kim", "admin")


@pytest.fixture
def fhir_admin(admin) -> Fhir:
    return fhir_as(admin)


@dataclass
class Course:
    patient: Any
    episode: Any
    assessment: Any
    sessions: list[Any]
    responses: list[Any]
    consent: Any


def build_course(actor, **patient_overrides: Any) -> Course:
    """A patient's whole course: consent (one withdrawn, one current), an episode, a signed
    assessment with findings, pain marks and ROM, three sessions (two signed, one amended,
    one adverse event) and NPRS, ODI and PSFS responses."""
    start = today() - dt.timedelta(days=40)
    values = {
        "anticoagulants": True,
        "lymphedema_sites": ["left_upper"],
        "medications": "Apixaban 5 mg twice daily",
        "precaution_notes": "Bruises easily",
        "phone": "403-555-0199",
        "email": "synthetic@example.org",
        "address": "1 Synthetic Way, Calgary AB",
        **patient_overrides,
    }
    patient = make_patient(actor, **values)
    old = patients.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(consented_on=start - dt.timedelta(days=30), text_version="ims-2026.1"),
    )
    patients.consent_withdraw(
        actor=actor,
        consent=old,
        data=ConsentWithdrawIn(withdrawn_on=start - dt.timedelta(days=20), reason="Moved away"),
    )
    consent = patients.consent_record(
        actor=actor, patient=patient, data=ConsentIn(consented_on=start, text_version="ims-2026.1")
    )
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(
            condition_code="M54.5",
            affected_side="left",
            onset_date=start - dt.timedelta(days=90),
            opened_on=start,
            goals="Sit through a work day.",
            referring_physician="Dr. P. Synthetic",
        ),
    )
    assessment = charting.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=start,
            pain_now=7,
            history="Synthetic history.",
            pain_locations=[PainMarkIn(region="lower_back", side="left")],
            findings=[FindingIn(muscle="gluteus_medius", side="left", taut_band=True)],
            rom=[RomIn(movement="lumbar_flexion", degrees=40)],
        ),
    )
    charting.assessment_sign(actor=actor, assessment=assessment)
    sessions = []
    for week, (before, after) in enumerate(((7, 4), (5, 3), (4, None))):
        session = make_session(
            actor,
            patient,
            episode,
            session_date=start + dt.timedelta(days=7 * week + 1),
            pain_before=before,
            pain_after=after,
            acknowledged=["anticoagulants", "lymphedema_quadrant"],
            insertions=[
                insertion("lumbar_paraspinals", "left", "L5"),
                insertion("trapezius", "left", notes="upper fibres"),
            ],
            rom=[{"movement": "lumbar_flexion", "phase": "after", "degrees": 50}],
            adverse_events=[
                AdverseEventIn(
                    kind="bruising",
                    severity="mild",
                    description="Small bruise",
                    action_taken="Pressure",
                )
            ]
            if week == 0
            else [],
        )
        sessions.append(session)
    sessions[0] = charting.session_sign(actor=actor, session=sessions[0])
    sessions[1] = charting.session_sign(actor=actor, session=sessions[1])
    charting.amendment_add(
        actor=actor,
        note=sessions[0],
        data=AmendmentIn(text="Needle lot was LOT-TEST-2.", reason="typo"),
    )
    responses = [
        outcomes.response_record(
            actor=actor,
            episode=episode,
            data=ResponseIn(measure_code="odi", items=[2, 1, 2, 3, 1, 2, 0, None, 1, 2]),
            source="api",
            answered_at=timezone.now() - dt.timedelta(days=30),
        ),
        outcomes.response_record(
            actor=actor,
            episode=episode,
            data=ResponseIn(measure_code="nprs", items=[5]),
            answered_at=timezone.now() - dt.timedelta(days=20),
        ),
        outcomes.response_record(
            actor=actor,
            episode=episode,
            data=ResponseIn(
                measure_code="psfs", items=[3, 4, 5], activities=["Sitting", "Lifting", "Walking"]
            ),
            answered_at=timezone.now() - dt.timedelta(days=10),
        ),
    ]
    return Course(patient, episode, assessment, sessions, responses, consent)


@pytest.fixture
def course(actor) -> Course:
    return build_course(actor)


__all__ = ["Course", "Fhir", "build_course", "fhir_as", "patient_data", "valid"]

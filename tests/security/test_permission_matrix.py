"""The permission matrix: every page route and every API operation, for every role, on an
object of the caller's own clinic and of another clinic, against an explicit table.

A route or operation missing from the table fails the suite, so a new one cannot ship
without someone deciding who may use it. Another clinic's object is always 404, never
403 (clinic isolation); a role refusal is 403 whatever the object; both are audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from imsclinic.accounts.actions import _token_create
from imsclinic.api.v1 import api
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import AssessmentIn
from imsclinic.core.models import AuditEvent
from tests.factories import (
    insertion,
    make_actor,
    make_clinic,
    make_consented_patient,
    make_episode,
    make_practitioner,
    make_session,
    make_user,
    today,
)

ROLES = ("anonymous", "front_desk", "practitioner", "admin")
LOGIN = 302  # anonymous page requests are sent to the login page
NA = None  # no object of another clinic to try (route takes no object id)


@dataclass(frozen=True)
class Exp:
    """Expected status per role (anonymous, front_desk, practitioner, admin)."""

    own: tuple[int, int, int, int]
    other: tuple[int, int, int, int] | None = NA


# Pages: GET on each route. POST-only views answer a GET with a redirect, after the same
# role and clinic checks. Front desk: demographics only (the chart redirects it to the
# registration details); no clinical notes, outcomes or audit.
PAGES: dict[str, Exp] = {
    "login": Exp((200, 200, 200, 200)),
    "login_verify": Exp((302, 302, 302, 302)),  # no password step pending: back to login
    "logout": Exp((405, 405, 405, 405)),  # POST only
    "mfa_setup": Exp((LOGIN, 200, 200, 200)),
    "password_change": Exp((LOGIN, 200, 200, 200)),
    "audit_report": Exp((LOGIN, 403, 403, 200)),
    "audit_export": Exp((LOGIN, 403, 403, 200)),
    "patient_access": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "patient_archive": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "patient_restore": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "dashboard": Exp((LOGIN, 200, 200, 200)),
    "patient_list": Exp((LOGIN, 200, 200, 200)),
    "patient_new": Exp((LOGIN, 200, 200, 200)),
    "patient_chart": Exp((LOGIN, 302, 200, 200), (LOGIN, 302, 404, 404)),
    "patient_edit": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "consent_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "episode_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_sign": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "session_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_edit": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_sign": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "session_amend": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_amend": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "segments_preview": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "muscle_search": Exp((LOGIN, 403, 200, 200)),
    "episode_progress": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "episode_report": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "questionnaire_schedule_add": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "questionnaire_link_create": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "questionnaire_fill": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    # The patient's single-use link: no login; an unknown token is a 404 for everyone.
    "questionnaire_link": Exp((404, 404, 404, 404)),
    "clinic_outcomes": Exp((LOGIN, 403, 200, 200)),
    "research_export_csv": Exp((LOGIN, 403, 200, 200)),
    "research_export_dictionary": Exp((LOGIN, 403, 200, 200)),
    # The API's own routes are covered operation by operation below.
    "openapi-json": Exp((200, 200, 200, 200)),
    # Any other /api/ path: the JSON error shape's 404 for everyone (no record involved).
    "api_not_found": Exp((404, 404, 404, 404)),
    "openapi-view": Exp((200, 200, 200, 200)),
}

# API operations: (method, path) -> expectation. Anonymous = no token (401). Object-level:
# only a note's author edits, signs or amends it (the admin is not the author here: 403).
# Recording a session needs needling authorization (the admin has none: 422).
API: dict[tuple[str, str], Exp] = {
    ("POST", "/api/v1/auth/token"): Exp((200, 200, 200, 200)),
    ("POST", "/api/v1/auth/revoke"): Exp((401, 200, 200, 200)),
    ("GET", "/api/v1/muscles"): Exp((401, 403, 200, 200)),
    ("POST", "/api/v1/segments/infer"): Exp((401, 403, 200, 200)),
    ("POST", "/api/v1/patients/{patient_id}/plans"): Exp(
        (401, 403, 200, 200), (401, 403, 404, 404)
    ),
    ("GET", "/api/v1/measures"): Exp((401, 200, 200, 200)),  # published definitions only
    ("POST", "/api/v1/measures/{code}/score"): Exp((401, 200, 200, 200)),  # no patient data
    ("GET", "/api/v1/patients"): Exp((401, 200, 200, 200)),
    ("POST", "/api/v1/patients"): Exp((401, 201, 201, 201)),
    ("GET", "/api/v1/patients/{patient_id}"): Exp((401, 200, 200, 200), (401, 404, 404, 404)),
    ("PUT", "/api/v1/patients/{patient_id}"): Exp((401, 200, 200, 200), (401, 404, 404, 404)),
    ("POST", "/api/v1/patients/{patient_id}/consents"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/episodes"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/assessments"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/sessions"): Exp(
        (401, 403, 201, 422), (401, 403, 404, 404)
    ),
    ("GET", "/api/v1/patients/{patient_id}/chart"): Exp((401, 403, 200, 200), (401, 403, 404, 404)),
    ("GET", "/api/v1/sessions/{session_id}"): Exp((401, 403, 200, 200), (401, 403, 404, 404)),
    ("PUT", "/api/v1/sessions/{session_id}"): Exp((401, 403, 200, 403), (401, 403, 404, 404)),
    ("POST", "/api/v1/sessions/{session_id}/sign"): Exp((401, 403, 200, 403), (401, 403, 404, 404)),
    ("POST", "/api/v1/sessions/{session_id}/amendments"): Exp(
        (401, 403, 201, 403), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/sign"): Exp(
        (401, 403, 200, 403), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/amendments"): Exp(
        (401, 403, 201, 403), (401, 403, 404, 404)
    ),
}


def _route_names(patterns: list[Any], prefix: str = "", namespace: str = "") -> dict[str, str]:
    """Every named URL as "namespace:name" -> pattern."""
    names: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.update(_route_names(pattern.url_patterns, prefix + str(pattern.pattern), inner))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed route {prefix}{pattern.pattern}"
            names[namespace + pattern.name] = prefix + str(pattern.pattern)
    return names


def _page_routes() -> dict[str, str]:
    # Ninja registers each API operation as a URL too; the API table covers those.
    routes = _route_names(get_resolver().url_patterns)
    return {
        name.removeprefix("api:"): pattern
        for name, pattern in routes.items()
        if not pattern.startswith("api/v1/") and name != "api:api-root"
    }


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_page_route_is_in_the_table():
    routes = set(_page_routes())
    assert routes - set(PAGES) == set(), "new page routes need a row in PAGES"
    assert set(PAGES) - routes == set(), "PAGES lists routes that no longer exist"


def test_every_api_operation_is_in_the_table():
    operations = _api_operations()
    assert operations - set(API) == set(), "new API operations need a row in API"
    assert set(API) - operations == set(), "API lists operations that no longer exist"


# The world: clinic A with one user per role, clinic B with its own records. -------------


class World:
    def __init__(self) -> None:
        self.clinic = make_clinic("matrix-a")
        self.other_clinic = make_clinic("matrix-b")
        self.users = {
            "front_desk": make_user(self.clinic, "a.desk", "front_desk"),
            "practitioner": make_practitioner(self.clinic, "a.pt"),
            "admin": make_user(self.clinic, "a.admin", "admin"),
        }
        self.author = make_actor(self.users["practitioner"])
        self.other_author = make_actor(make_practitioner(self.other_clinic, "b.pt"))
        self.shared = self.records(self.author)
        self.other = self.records(self.other_author)
        self.tokens = {role: _token_create(user)[0] for role, user in self.users.items()}

    def records(self, actor) -> dict[str, Any]:
        patient = make_consented_patient(actor)
        episode = make_episode(actor, patient)
        assessment = charting.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), findings=[]),
        )
        session = make_session(actor, patient, episode)
        signed_session = charting.session_sign(
            actor=actor,
            session=make_session(
                actor, patient, episode, session_date=today() - dt.timedelta(days=1)
            ),
        )
        signed_assessment = charting.assessment_sign(
            actor=actor,
            assessment=charting.assessment_record(
                actor=actor,
                patient=patient,
                data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), findings=[]),
            ),
        )
        return {
            "patient": patient,
            "episode": episode,
            "assessment": assessment,
            "session": session,
            "signed_session": signed_session,
            "signed_assessment": signed_assessment,
        }

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


@pytest.fixture
def world(db) -> World:
    return World()


def _page_kwargs(name: str, pattern: str, records: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "<int:patient_id>" in pattern:
        kwargs["patient_id"] = records["patient"].pk
    if "<int:episode_id>" in pattern:
        kwargs["episode_id"] = records["episode"].pk
    if "<int:assessment_id>" in pattern:
        kwargs["assessment_id"] = records["assessment"].pk
    if "<int:session_id>" in pattern:
        kwargs["session_id"] = records["session"].pk
    if "<int:note_id>" in pattern:
        kwargs["note_id"] = records[
            "signed_session" if name == "session_amend" else "signed_assessment"
        ].pk
    if "<str:code>" in pattern:
        kwargs["code"] = "nprs"
    if "<str:token>" in pattern:
        kwargs["token"] = "not-a-real-link"
    if "(?P<rest>" in pattern:
        kwargs["rest"] = "v1/no-such-operation"
    return kwargs


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(world, name):
    pattern = _page_routes()[name]
    expected = PAGES[name]
    for variant, statuses in (("own", expected.own), ("other", expected.other)):
        if statuses is None:
            continue
        records = world.shared if variant == "own" else world.other
        full_name = f"api:{name}" if pattern.startswith("api/") else name
        url = reverse(full_name, kwargs=_page_kwargs(name, pattern, records))
        for role, status in zip(ROLES, statuses, strict=True):
            before = AuditEvent.objects.filter(outcome="denied").count()
            response = world.client(role).get(url)
            if name == "logout" and role != "anonymous":
                # A GET must not log anyone out (CSRF-safe logout is POST only)
                assert world.client(role).get("/").status_code == 200
            assert response.status_code == status, f"{role} GET {url} ({variant})"
            if status == LOGIN and role == "anonymous":
                assert response["Location"].startswith("/login/"), url
            unaudited = ("questionnaire_link", "api_not_found")  # no record, no clinic
            if status in (403, 404) and role != "anonymous" and name not in unaudited:
                # Refused access is in the audit trail, without naming the patient
                denied = AuditEvent.objects.filter(outcome="denied").order_by("-id")
                assert denied.count() == before + 1, f"{role} {url} not audited"
                assert denied[0].patient_id is None
                assert str(status) in denied[0].detail


def _api_body(method: str, path: str, records: dict[str, Any], world: World) -> Any:
    episode_id = records["episode"].pk
    patient = {
        "family_name": "Matrix",
        "given_name": "Test",
        "date_of_birth": "1980-02-03",
        "sex": "female",
    }
    session = {
        "episode_id": episode_id,
        "session_date": str(today()),
        "pain_before": 5,
        "pain_after": 3,
        "insertions": [insertion("gluteus_medius", "left")],
    }
    bodies = {
        "/api/v1/auth/token": {"username": "a.pt", "password": "correct-horse-battery"},
        "/api/v1/segments/infer": {"findings": []},
        "/api/v1/patients/{patient_id}/plans": {"findings": []},
        "/api/v1/measures/{code}/score": {"items": [4]},
        "/api/v1/patients": patient,
        "/api/v1/patients/{patient_id}": patient,
        "/api/v1/patients/{patient_id}/consents": {
            "consented_on": str(today()),
            "text_version": "ims-2026.1",
        },
        "/api/v1/patients/{patient_id}/episodes": {
            "condition_code": "M54.5",
            "opened_on": str(today()),
        },
        "/api/v1/patients/{patient_id}/assessments": {
            "episode_id": episode_id,
            "assessed_on": str(today()),
            "findings": [],
        },
        "/api/v1/patients/{patient_id}/sessions": session,
        "/api/v1/sessions/{session_id}": session,
        "/api/v1/sessions/{session_id}/amendments": {"text": "Left, not right.", "reason": "typo"},
        "/api/v1/assessments/{assessment_id}/amendments": {"text": "Correction.", "reason": "typo"},
    }
    return bodies.get(path, {})


def _api_url(path: str, records: dict[str, Any]) -> str:
    note = "signed_" if path.endswith("/amendments") else ""
    return (
        path.replace("{patient_id}", str(records["patient"].pk))
        .replace("{session_id}", str(records[f"{note}session"].pk))
        .replace("{assessment_id}", str(records[f"{note}assessment"].pk))
        .replace("{code}", "nprs")
    )


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_api_matrix(world, method, path):
    expected = API[(method, path)]
    for variant, statuses in (("own", expected.own), ("other", expected.other)):
        if statuses is None:
            continue
        for role, status in zip(ROLES, statuses, strict=True):
            # Fresh records for each call that changes state, so one role's write
            # (e.g. signing) does not change what the next role meets.
            if variant == "own":
                records = world.records(world.author) if method != "GET" else world.shared
            else:
                records = world.other
            headers = {}
            if role != "anonymous":
                token = (
                    _token_create(world.users[role])[0]
                    if path.endswith("/revoke")
                    else world.tokens[role]
                )
                headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            url = _api_url(path, records)
            body = _api_body(method, path, records, world)
            client = Client()
            if method == "GET":
                response = client.get(url, **headers)
            else:
                response = client.generic(
                    method,
                    url,
                    data=__import__("json").dumps(body),
                    content_type="application/json",
                    **headers,
                )
            assert response.status_code == status, (
                f"{role} {method} {url} ({variant}): {response.content[:300]!r}"
            )
            if status == 404 and variant == "other":
                assert response.json()["code"] == "not_found"
            if status in (403, 404) and role != "anonymous":
                assert AuditEvent.objects.filter(
                    outcome="denied", source="api", username=world.users[role].username
                ).exists()


# Patient fields per role: front desk registers and books, so it sees demographics and the
# two flags that change a booking (needle phobia; a substitute decision-maker must attend),
# never medications or the other precautions, and it writes demographics only.
DEMOGRAPHICS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "health_number",
    "phone",
    "email",
    "address",
)
BOOKING = ("needle_phobia", "unable_to_consent")
CLINICAL_ONLY = (
    "medications",
    "anticoagulants",
    "bleeding_disorder",
    "pregnancy",
    "diabetes",
    "immunocompromised",
    "epilepsy",
    "metal_allergy",
    "pacemaker_implant",
    "lymphedema_sites",
    "precaution_notes",
)
PATIENT_FIELDS_SEEN: dict[str, tuple[str, ...]] = {
    "front_desk": DEMOGRAPHICS + BOOKING,
    "practitioner": DEMOGRAPHICS + BOOKING + CLINICAL_ONLY,
    "admin": DEMOGRAPHICS + BOOKING + CLINICAL_ONLY,
}


def test_the_patient_field_table_covers_every_field():
    from imsclinic.patients.schemas import PatientOut

    assert set(PatientOut.model_fields) - {"id"} == set(DEMOGRAPHICS + BOOKING + CLINICAL_ONLY)


@pytest.mark.parametrize("role", sorted(PATIENT_FIELDS_SEEN))
def test_patient_fields_each_role_sees(world, role):
    from imsclinic.patients import actions as patient_actions
    from imsclinic.patients.schemas import PatientIn

    patient = world.shared["patient"]
    patient_actions.patient_update(
        actor=world.author,
        patient=patient,
        data=PatientIn(
            **{name: getattr(patient, name) for name in PatientIn.model_fields}
        ).model_copy(
            update={
                "medications": "Apixaban 5 mg twice daily",
                "anticoagulants": True,
                "needle_phobia": True,
                "precaution_notes": "Firm pressure after each needle",
            }
        ),
    )
    body = (
        Client()
        .get(
            f"/api/v1/patients/{patient.pk}",
            HTTP_AUTHORIZATION=f"Bearer {world.tokens[role]}",
        )
        .json()
    )
    seen = {name for name, value in body.items() if value is not None} - {"id"}
    assert seen == set(PATIENT_FIELDS_SEEN[role])
    page = world.client(role).get(f"/patients/{patient.pk}/edit/").content.decode()
    assert ("Apixaban" in page) == ("medications" in PATIENT_FIELDS_SEEN[role])
    assert ("Firm pressure" in page) == ("precaution_notes" in PATIENT_FIELDS_SEEN[role])
    assert "Needle phobia" in page

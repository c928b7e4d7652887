"""JSON API v1. Each route parses input, calls the same action or selector as the pages,
and renders the result. OpenAPI at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema, Status

from imsclinic.accounts.actions import token_issue, token_revoke
from imsclinic.api.auth import (
    CLINICAL_TOKEN,
    STAFF_TOKEN,
    TokenRequestIn,
    api_actor,
    install_denied_audit,
)
from imsclinic.api.errors import ErrorOut, errors, install_error_handlers
from imsclinic.api.parser import JsonOnlyParser
from imsclinic.api.schemas import (
    AssessmentOut,
    ChartOut,
    EpisodeOut,
    SessionOut,
    TokenOut,
    chart_dump,
)
from imsclinic.charting import actions as charting_actions
from imsclinic.charting import selectors as charting_selectors
from imsclinic.charting import written
from imsclinic.charting.integrity import check_note
from imsclinic.charting.schemas import AmendmentIn, AssessmentIn, EpisodeIn, SessionIn
from imsclinic.core.actors import client_address
from imsclinic.core.audit import audit_list, audit_view
from imsclinic.patients import actions as patient_actions
from imsclinic.patients import selectors as patient_selectors
from imsclinic.patients.schemas import (
    ConsentIn,
    ConsentOut,
    PatientIn,
    PatientOut,
    PatientSummaryOut,
)


class ClinicApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # The route function's name ("record_session"): short, stable, and what the
        # OpenAPI links below refer to. Route functions have unique names across routers.
        return str(operation.view_func.__name__)


api = ClinicApi(
    title="IMS Clinic API",
    version="1",
    description="Charting, segmental reasoning and outcomes for Gunn IMS clinics.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=STAFF_TOKEN,
    parser=JsonOnlyParser(),
)
install_error_handlers(api)
install_denied_audit(api)


# OpenAPI links: what each created or changed record leads to, so a client (and
# schemathesis' stateful phase) can chain create -> read -> sign -> amend with real ids.
def _links(status: int, targets: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    links = {name: {"operationId": operation, **how} for name, (operation, how) in targets.items()}
    return {"responses": {status: {"links": links}}}


def _title(operation: str) -> str:
    return "".join(part.title() for part in operation.split("_"))


def _to(key: str, expression: str, *operations: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {_title(op): (op, {"parameters": {key: expression}}) for op in operations}


_PATIENT_LINKS = _links(
    201,
    _to(
        "path.patient_id",
        "$response.body#/id",
        "get_patient",
        "update_patient",
        "record_consent",
        "open_episode",
        "patient_chart",
    ),
)
_EPISODE_LINKS = _links(
    201,
    {
        _title(op): (
            op,
            {
                "parameters": {"path.patient_id": "$request.path.patient_id"},
                "requestBody": {"episode_id": "$response.body#/id"},
            },
        )
        for op in ("record_session", "record_assessment")
    },
)


def _note_links(kind: str, status: int, *operations: str) -> dict[str, Any]:
    return _links(status, _to(f"path.{kind}_id", "$response.body#/id", *operations))


auth_router = Router(tags=["auth"])
patients_router = Router(tags=["patients"])
sessions_router = Router(tags=["sessions"])
assessments_router = Router(tags=["assessments"])


@auth_router.post(
    "/token",
    auth=None,
    response={
        200: TokenOut,
        **dict.fromkeys((400, 401, 413, 415, 422), ErrorOut),
        429: ErrorOut,  # locked (this username) or slowed down (this address): Retry-After
    },
)
def create_token(request: HttpRequest, payload: TokenRequestIn) -> dict[str, Any]:
    key, token = token_issue(
        username=payload.username,
        password=payload.password,
        otp=payload.otp,
        address=client_address(request),
    )
    return {"token": key, "token_type": "bearer", "expires_at": token.expires_at}


class RevokedOut(Schema):
    revoked: bool


@auth_router.post("/revoke", response={200: RevokedOut, 401: ErrorOut})
def revoke_token(request: HttpRequest) -> dict[str, Any]:
    """Revoke the token this request was sent with (log out of the API)."""
    key = getattr(request, "auth_token", "")
    return {"revoked": token_revoke(key=key, address=client_address(request))}


@patients_router.get("", response={200: list[PatientSummaryOut], **errors()})
def list_patients(request: HttpRequest, q: str = "", limit: int = 50) -> Any:
    actor = api_actor(request)
    limit = max(1, min(limit, 200))
    patients = patient_selectors.patient_search(actor=actor, query=q, limit=limit)
    audit_list(
        actor=actor,
        object_type="PatientList",
        patient_ids=[p.pk for p in patients],
        detail=f"search {q[:100]!r}",
    )
    return patients


@patients_router.post(
    "",
    response={201: PatientOut, **errors(body=True)},
    openapi_extra=_PATIENT_LINKS,
)
def register_patient(request: HttpRequest, payload: PatientIn) -> Any:
    actor = api_actor(request)
    patient = patient_actions.patient_register(actor=actor, data=payload)
    return Status(201, patient_selectors.patient_as_seen(actor=actor, patient=patient))


@patients_router.get("/{patient_id}", response={200: PatientOut, **errors(record=True)})
def get_patient(request: HttpRequest, patient_id: int) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    audit_view(actor=actor, patient_id=patient.pk, obj=patient)
    return patient_selectors.patient_as_seen(actor=actor, patient=patient)


@patients_router.put(
    "/{patient_id}",
    response={200: PatientOut, **errors(record=True, body=True)},
)
def update_patient(request: HttpRequest, patient_id: int, payload: PatientIn) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    patient = patient_actions.patient_update(actor=actor, patient=patient, data=payload)
    return patient_selectors.patient_as_seen(actor=actor, patient=patient)


@patients_router.post(
    "/{patient_id}/consents",
    auth=CLINICAL_TOKEN,
    response={201: ConsentOut, **errors(record=True, body=True)},
)
def record_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    return Status(201, patient_actions.consent_record(actor=actor, patient=patient, data=payload))


@patients_router.post(
    "/{patient_id}/episodes",
    auth=CLINICAL_TOKEN,
    response={201: EpisodeOut, **errors(record=True, body=True)},
    openapi_extra=_EPISODE_LINKS,
)
def open_episode(request: HttpRequest, patient_id: int, payload: EpisodeIn) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    return Status(201, charting_actions.episode_open(actor=actor, patient=patient, data=payload))


@patients_router.post(
    "/{patient_id}/assessments",
    auth=CLINICAL_TOKEN,
    response={201: AssessmentOut, **errors(record=True, body=True)},
    openapi_extra=_note_links("assessment", 201, "sign_assessment"),
)
def record_assessment(request: HttpRequest, patient_id: int, payload: AssessmentIn) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    return Status(
        201, charting_actions.assessment_record(actor=actor, patient=patient, data=payload)
    )


@patients_router.post(
    "/{patient_id}/sessions",
    auth=CLINICAL_TOKEN,
    response={201: SessionOut, **errors(record=True, body=True)},
    openapi_extra=_note_links("session", 201, "get_session", "update_session", "sign_session"),
)
def record_session(request: HttpRequest, patient_id: int, payload: SessionIn) -> Any:
    actor = api_actor(request)
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    return Status(201, charting_actions.session_record(actor=actor, patient=patient, data=payload))


@patients_router.get(
    "/{patient_id}/chart",
    auth=CLINICAL_TOKEN,
    response={200: ChartOut, **errors(record=True)},
)
def patient_chart(request: HttpRequest, patient_id: int) -> Any:
    actor = api_actor(request)
    chart = charting_selectors.patient_chart(actor=actor, patient_id=patient_id)
    audit_view(actor=actor, patient_id=chart.patient.pk, obj=chart.patient)
    # ChartOut's content, its notes dumped as rows rather than validated (api/schemas.py).
    return api.create_response(request, chart_dump(chart), status=200)


@sessions_router.get("/{session_id}", response={200: SessionOut, **errors(record=True)})
def get_session(request: HttpRequest, session_id: int) -> Any:
    actor = api_actor(request)
    session = charting_selectors.session_get(actor=actor, session_id=session_id)
    audit_view(actor=actor, patient_id=session.patient_id, obj=session)
    return session


@sessions_router.put(
    "/{session_id}",
    response={200: SessionOut, **errors(record=True, body=True, note=True)},
)
def update_session(request: HttpRequest, session_id: int, payload: SessionIn) -> Any:
    actor = api_actor(request)
    session = charting_selectors.session_get(actor=actor, session_id=session_id)
    return charting_actions.session_update(actor=actor, session=session, data=payload)


@sessions_router.post(
    "/{session_id}/sign",
    response={200: SessionOut, **errors(record=True, note=True)},
    openapi_extra=_note_links("session", 200, "get_session", "amend_session"),
)
def sign_session(request: HttpRequest, session_id: int) -> Any:
    actor = api_actor(request)
    session = charting_selectors.session_get(actor=actor, session_id=session_id)
    return charting_actions.session_sign(actor=actor, session=session)


@sessions_router.post(
    "/{session_id}/amendments",
    response={201: SessionOut, **errors(record=True, body=True)},
)
def amend_session(request: HttpRequest, session_id: int, payload: AmendmentIn) -> Any:
    actor = api_actor(request)
    session = charting_selectors.session_get(actor=actor, session_id=session_id)
    amendment = charting_actions.amendment_add(actor=actor, note=session, data=payload)
    written.add_amendment(session, amendment)
    check_note(session)  # the new amendment against the seal just written
    return Status(201, session)


@assessments_router.post(
    "/{assessment_id}/sign",
    response={200: AssessmentOut, **errors(record=True, note=True)},
    openapi_extra=_note_links("assessment", 200, "amend_assessment"),
)
def sign_assessment(request: HttpRequest, assessment_id: int) -> Any:
    actor = api_actor(request)
    assessment = charting_selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    return charting_actions.assessment_sign(actor=actor, assessment=assessment)


@assessments_router.post(
    "/{assessment_id}/amendments",
    response={201: AssessmentOut, **errors(record=True, body=True)},
)
def amend_assessment(request: HttpRequest, assessment_id: int, payload: AmendmentIn) -> Any:
    actor = api_actor(request)
    assessment = charting_selectors.assessment_get(actor=actor, assessment_id=assessment_id)
    amendment = charting_actions.amendment_add(actor=actor, note=assessment, data=payload)
    written.add_amendment(assessment, amendment)
    check_note(assessment)  # the new amendment against the seal just written
    return Status(201, assessment)


from imsclinic.api.billing import router as billing_router  # noqa: E402
from imsclinic.api.outcomes import router as outcomes_router  # noqa: E402
from imsclinic.api.reasoning import router as reasoning_router  # noqa: E402
from imsclinic.api.safety import router as safety_router  # noqa: E402
from imsclinic.api.scheduling import router as scheduling_router  # noqa: E402

api.add_router("/v1/auth", auth_router)
api.add_router("/v1", reasoning_router, auth=CLINICAL_TOKEN)
api.add_router("/v1", outcomes_router)
api.add_router("/v1/patients", patients_router)
api.add_router("/v1/sessions", sessions_router, auth=CLINICAL_TOKEN)
api.add_router("/v1/assessments", assessments_router, auth=CLINICAL_TOKEN)
api.add_router("/v1", billing_router)
api.add_router("/v1", safety_router)
api.add_router("/v1", scheduling_router)

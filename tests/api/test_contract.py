"""JSON API contract: auth, status codes, error shape, and the same rules as the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import PASSWORD, insertion, make_actor, make_patient, make_practitioner, today


def _session_body(episode_id, **overrides):
    body = {
        "episode_id": episode_id,
        "session_date": str(today()),
        "pain_before": 7,
        "pain_after": 4,
        "insertions": [
            insertion("lumbar_paraspinals", "left", "L5"),
            insertion("Gluteus medius", "left"),
        ],
    }
    body.update(overrides)
    return body


def test_token_with_wrong_password_is_401(client, practitioner):
    response = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Bearer ", "Basic abc"])
def test_requests_without_valid_token_are_401(client, db, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/patients", **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_full_visit_through_the_api(api):
    created = api.post(
        "/patients",
        {
            "family_name": "Apiton",
            "given_name": "Ria",
            "date_of_birth": "1979-03-04",
            "anticoagulants": True,
        },
    )
    assert created.status_code == 201, created.content
    patient_id = created.json()["id"]
    assert api.get("/patients?q=apit").json()[0]["id"] == patient_id

    consent = api.post(
        f"/patients/{patient_id}/consents",
        {"consented_on": str(today()), "text_version": "ims-2026.1"},
    )
    assert consent.status_code == 201, consent.content
    episode = api.post(
        f"/patients/{patient_id}/episodes", {"condition_code": "M54.3", "opened_on": str(today())}
    )
    assert episode.status_code == 201, episode.content
    episode_id = episode.json()["id"]

    assessment = api.post(
        f"/patients/{patient_id}/assessments",
        {
            "episode_id": episode_id,
            "assessed_on": str(today()),
            "pain_now": 7,
            "findings": [{"muscle": "peroneus longus", "side": "left", "taut_band": True}],
        },
    )
    assert assessment.status_code == 201, assessment.content
    assert assessment.json()["findings"][0]["muscle_id"] == "peroneus_longus"

    needs_ack = api.post(f"/patients/{patient_id}/sessions", _session_body(episode_id))
    assert needs_ack.status_code == 422
    assert needs_ack.json()["code"] == "acknowledgement_required"
    assert needs_ack.json()["warnings"][0]["code"] == "anticoagulants"

    session = api.post(
        f"/patients/{patient_id}/sessions",
        _session_body(episode_id, acknowledged=["anticoagulants"]),
    )
    assert session.status_code == 201, session.content
    session_id = session.json()["id"]
    assert [i["muscle_id"] for i in session.json()["insertions"]] == [
        "lumbar_paraspinals",
        "gluteus_medius",
    ]

    signed = api.post(f"/sessions/{session_id}/sign")
    assert signed.status_code == 200 and signed.json()["signed_at"]
    conflict = api.put(
        f"/sessions/{session_id}", _session_body(episode_id, acknowledged=["anticoagulants"])
    )
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "note_signed"
    assert api.post(f"/sessions/{session_id}/sign").status_code == 409

    amended = api.post(
        f"/sessions/{session_id}/amendments", {"text": "Lot was LOT-2", "reason": "Typo"}
    )
    assert amended.status_code == 201
    assert amended.json()["amendments"][0]["text"] == "Lot was LOT-2"
    assert amended.json()["pain_before"] == 7

    chart = api.get(f"/patients/{patient_id}/chart").json()
    assert chart["current_consent_id"] == consent.json()["id"]
    assert chart["pain_series"] == [
        {"session_date": str(today()), "sequence": 1, "pain_before": 7, "pain_after": 4}
    ]
    assert len(chart["assessments"]) == 1 and len(chart["sessions"]) == 1


def test_bad_values_are_422_naming_the_field(api, patient, episode):
    response = api.post(
        f"/patients/{patient.pk}/sessions",
        _session_body(episode.pk, pain_before=11, insertions=[insertion("deltiod", "left")]),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    fields = {f["field"]: f for f in body["fields"]}
    assert set(fields) == {"pain_before", "insertions.0.muscle"}
    assert "Deltoid" in fields["insertions.0.muscle"]["suggestions"]


def test_wrong_types_are_422_with_field_path(api, patient, episode):
    response = api.post(
        f"/patients/{patient.pk}/sessions",
        {"episode_id": episode.pk, "session_date": "yesterday", "pain_before": "a lot"},
    )
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["fields"]}
    assert {"session_date", "pain_before"} <= fields


def test_malformed_json_is_422(client, api, patient):
    response = api.post(f"/patients/{patient.pk}/consents", None)
    assert response.status_code == 422


def test_rule_violation_is_422_with_code(api, actor, episode):
    unconsented = make_patient(actor)
    from tests.factories import make_episode

    other_episode = make_episode(actor, unconsented)
    response = api.post(f"/patients/{unconsented.pk}/sessions", _session_body(other_episode.pk))
    assert response.status_code == 422
    assert response.json()["code"] == "consent_missing"


def test_other_clinics_objects_are_404(api, other_clinic):
    other = make_actor(make_practitioner(other_clinic, "foreign"))
    foreign = make_patient(other)
    for path in (f"/patients/{foreign.pk}", f"/patients/{foreign.pk}/chart"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert (
        api.post(
            f"/patients/{foreign.pk}/consents",
            {"consented_on": str(today()), "text_version": "ims-2026.1"},
        ).status_code
        == 404
    )
    assert api.get("/sessions/999999").status_code == 404


def test_expired_token_is_refused(client, practitioner):
    from django.utils import timezone

    from imsclinic.accounts.models import ApiToken

    token = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_openapi_lists_the_operations(client, db):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/patients/{patient_id}/consents",
        "/api/v1/patients/{patient_id}/episodes",
        "/api/v1/patients/{patient_id}/assessments",
        "/api/v1/patients/{patient_id}/sessions",
        "/api/v1/sessions/{session_id}/sign",
        "/api/v1/sessions/{session_id}/amendments",
        "/api/v1/patients/{patient_id}/chart",
    ):
        assert path in paths, path


def test_errors_outside_any_route_use_the_json_shape(client, db):
    missing = client.get("/api/v1/no-such-operation")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_method = client.delete("/api/v1/patients")
    assert wrong_method.status_code == 405
    assert set(wrong_method["Allow"].split(", ")) == {"GET", "POST"}
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_every_operation_documents_the_error_statuses_it_can_answer():
    from imsclinic.api.v1 import api

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    error_fields = set(components["ErrorOut"]["properties"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            documented = {int(status) for status in operation["responses"]}
            where = f"{method.upper()} {path}"
            if "auth" not in operation.get("tags", []):
                assert {401, 403, 422} <= documented, where
            if "{" in path:
                assert 404 in documented, where
            if "requestBody" in operation:
                assert {400, 413, 415, 422} <= documented, where
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    # ErrorOut, or a schema that extends it (a booking conflict lists them)
                    fields = set(components[ref.rsplit("/", 1)[-1]]["properties"])
                    assert error_fields <= fields, (where, status)


def _follow(link: dict, response: dict, request_path: dict) -> tuple[dict, dict]:
    """Evaluate an OpenAPI link's parameters and request body as a client would."""

    def value(expression: str):
        if expression.startswith("$response.body#/"):
            return response[expression.removeprefix("$response.body#/")]
        return request_path[expression.removeprefix("$request.path.")]

    parameters = {
        key.removeprefix("path."): value(v) for key, v in link.get("parameters", {}).items()
    }
    body = {key: value(v) for key, v in link.get("requestBody", {}).items()}
    return parameters, body


def test_openapi_links_chain_register_episode_session_read_sign_amend(api):
    from imsclinic.api.v1 import api as ninja_api

    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))  # as served
    by_id = {
        operation["operationId"]: (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    def links_of(operation_id: str, status: int) -> dict:
        method, path = by_id[operation_id]
        return schema["paths"][path][method]["responses"][str(status)]["links"]

    def call(operation_id: str, parameters: dict, body: dict | None = None):
        method, path = by_id[operation_id]
        url = path.removeprefix("/api/v1").format(**parameters)
        if method == "get":
            return api.get(url)
        return api.put(url, body) if method == "put" else api.post(url, body)

    patient = call(
        "register_patient",
        {},
        {"family_name": "Linked", "given_name": "Lee", "date_of_birth": "1975-05-05"},
    ).json()
    params, _ = _follow(links_of("register_patient", 201)["RecordConsent"], patient, {})
    consent = call(
        "record_consent", params, {"consented_on": str(today()), "text_version": "ims-2026.1"}
    )
    assert consent.status_code == 201, consent.content
    params, _ = _follow(links_of("register_patient", 201)["OpenEpisode"], patient, {})
    episode = call("open_episode", params, {"condition_code": "M54.5", "opened_on": str(today())})
    assert episode.status_code == 201, episode.content
    params, body = _follow(links_of("open_episode", 201)["RecordSession"], episode.json(), params)
    session = call(
        "record_session",
        params,
        {**_session_body(None), **body},
    )
    assert session.status_code == 201, session.content
    for name in ("GetSession", "SignSession"):
        target = links_of("record_session", 201)[name]
        params, _ = _follow(target, session.json(), {})
        assert call(target["operationId"], params).status_code == 200, name
    target = links_of("sign_session", 200)["AmendSession"]
    params, _ = _follow(target, session.json(), {})
    amended = call(target["operationId"], params, {"text": "Lot was LOT-2", "reason": "typo"})
    assert amended.status_code == 201 and amended.json()["integrity"] == "intact"

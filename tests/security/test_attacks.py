"""Attacks a clinic app meets: stored XSS, CSRF, SQL injection, oversized and malformed
bodies, forged tokens. Brute force and lockout: tests/accounts/test_login.py."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import AmendmentIn
from imsclinic.patients.models import Patient
from tests.factories import (
    PASSWORD,
    api_token,
    insertion,
    make_consented_patient,
    make_session,
)

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_stored_xss_in_every_free_text_field_is_inert(client, practitioner, actor):
    # Given a patient and a signed, amended session whose every free-text field holds a payload
    patient = make_consented_patient(
        actor,
        family_name="X" + XSS,
        given_name="Y" + XSS,
        address=XSS,
        medications=XSS,
        precaution_notes=XSS,
    )
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=__import__("imsclinic.charting.schemas", fromlist=["EpisodeIn"]).EpisodeIn(
            condition_code="M54.5",
            opened_on=patient.consents.first().consented_on,
            goals=XSS,
            referring_physician=XSS[:150],
        ),
    )
    session = make_session(
        actor,
        patient,
        episode,
        notes=XSS,
        insertions=[insertion("gluteus_medius", "left", notes=XSS[:300], needle_lot="LOT-1")],
        adverse_events=[
            {"kind": "bruising", "severity": "mild", "description": XSS, "action_taken": XSS}
        ],
    )
    session = charting.session_sign(actor=actor, session=session)
    charting.amendment_add(actor=actor, note=session, data=AmendmentIn(text=XSS, reason=XSS[:300]))
    client.force_login(practitioner)
    # When each page that shows them is rendered
    for url in (
        "/",
        f"/patients/?q={patient.family_name[:3]}",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/edit/",
        f"/sessions/{session.pk}/",
        f"/patients/{patient.pk}/access/",
    ):
        html = client.get(url).content.decode()
        # Then no payload survives as markup, only as escaped text
        assert "<script>alert" not in html, url
        assert 'onerror="alert' not in html, url
    assert ESCAPED in client.get(f"/sessions/{session.pk}/").content.decode()


@pytest.fixture
def csrf_client(practitioner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner)
    return client


def test_every_post_form_refuses_a_request_without_csrf_token(
    csrf_client, practitioner, actor, patient, episode
):
    session = make_session(actor, patient, episode)
    signed = charting.session_sign(actor=actor, session=make_session(actor, patient, episode))
    urls = [
        "/login/",
        "/login/verify/",
        "/logout/",
        "/account/mfa/",
        "/account/password/",
        "/patients/new/",
        f"/patients/{patient.pk}/edit/",
        f"/patients/{patient.pk}/consent/",
        f"/patients/{patient.pk}/archive/",
        f"/patients/{patient.pk}/restore/",
        f"/patients/{patient.pk}/episodes/new/",
        f"/patients/{patient.pk}/assessments/new/",
        f"/patients/{patient.pk}/sessions/new/",
        f"/patients/{patient.pk}/segments/preview/",
        f"/sessions/{session.pk}/edit/",
        f"/sessions/{session.pk}/sign/",
        f"/sessions/{signed.pk}/amend/",
        f"/episodes/{episode.pk}/questionnaires/schedule/",
        f"/episodes/{episode.pk}/questionnaires/link/",
        f"/episodes/{episode.pk}/questionnaires/nprs/fill/",
        "/q/some-token/",
    ]
    for url in urls:
        assert csrf_client.post(url, {"notes": "x"}).status_code == 403, url
    # And nothing was changed
    session.refresh_from_db()
    assert session.signed_at is None


def test_csrf_token_makes_the_same_post_work(practitioner, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner)
    client.get(f"/patients/{patient.pk}/edit/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post("/sessions/0/sign/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        "'; DROP TABLE patients_patient; --",
        "%' UNION SELECT id, password, 1, 1, 1 FROM accounts_user --",
        "\\' OR \\'1\\'=\\'1",
        "1980-01-01' OR '1'='1",
    ],
)
def test_sql_injection_in_search_finds_nothing_and_breaks_nothing(
    client, practitioner, actor, query
):
    make_consented_patient(actor)
    client.force_login(practitioner)
    page = client.get("/patients/", {"q": query})
    assert page.status_code == 200
    assert page.context["patients"] == []
    api = client.get(
        "/api/v1/patients",
        {"q": query},
        HTTP_AUTHORIZATION=f"Bearer {api_token(Client(), practitioner.username)}",
    )
    assert api.status_code == 200 and api.json() == []
    assert Patient.objects.count() == 1


def test_oversized_and_malformed_bodies_are_4xx(client, practitioner, patient):
    token = api_token(client, practitioner.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    huge = json.dumps({"family_name": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    cases = [
        huge,
        "{not json",
        "[]",
        "null",
        '{"family_name": {"$gt": ""}}',
        '{"date_of_birth": "1980-02-30", "family_name": "x", "given_name": "y"}',
        "\xff\xfe",
        '{"a":' * 5000 + "1" + "}" * 5000,
    ]
    for body in cases:
        response = client.post("/api/v1/patients", body, content_type="application/json", **auth)
        assert 400 <= response.status_code < 500, (body[:40], response.status_code)
    big_form = client
    big_form.force_login(practitioner)
    response = big_form.post(
        "/patients/new/", {"family_name": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
        lambda t: t + "x",
        lambda t: t[:8],  # the stored prefix alone
        lambda t: t.upper(),
        lambda t: "x" * 300,
        lambda t: t + "\x00",
    ],
)
def test_tampered_tokens_are_refused(client, practitioner, mangle):
    token = api_token(client, practitioner.username)
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {mangle(token)}")
    assert response.status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, practitioner):
    from django.utils import timezone

    from imsclinic.accounts.models import ApiToken

    token = api_token(client, practitioner.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/patients", **auth).status_code == 200
    revoked = client.post("/api/v1/auth/revoke", **auth)
    assert revoked.status_code == 200 and revoked.json() == {"revoked": True}
    assert client.get("/api/v1/patients", **auth).status_code == 401
    second = api_token(client, practitioner.username)
    ApiToken.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now())
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 401


def test_brute_force_through_the_api_meets_the_lockout(client, practitioner):
    statuses = [
        client.post(
            "/api/v1/auth/token",
            {"username": practitioner.username, "password": f"guess-{n}"},
            content_type="application/json",
        ).status_code
        for n in range(8)
    ]
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    right = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert right.status_code == 429


NUL_PATIENT = {"family_name": "a\u0000b", "given_name": "b", "date_of_birth": "1980-01-01"}


def test_nul_characters_in_pages_are_refused_naming_the_field(client, practitioner):
    client.force_login(practitioner)
    search = client.get("/patients/", {"q": "a\x00b"})
    assert search.status_code == 400 and b"'q' contains a NUL" in search.content
    # Multipart (the browser's file-upload encoding) as well as urlencoded forms
    for encoded in (
        {"data": {"family_name": "a\x00b", "given_name": "b"}},  # multipart by default
        {
            "data": "family_name=a%00b&given_name=b",
            "content_type": "application/x-www-form-urlencoded",
        },
    ):
        response = client.post("/patients/new/", **encoded)
        assert response.status_code == 400, encoded
        assert b"'family_name' contains a NUL" in response.content
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "APPLICATION/JSON", "Application/Json; charset=utf-8"],
)
def test_nul_characters_in_api_json_are_422_naming_the_field(client, practitioner, content_type):
    token = api_token(Client(), practitioner.username)
    response = client.post(
        "/api/v1/patients",
        json.dumps(NUL_PATIENT),
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == [
        {
            "field": "family_name",
            "code": "nul_character",
            "message": body["fields"][0]["message"],
        }
    ]
    nested = client.post(
        "/api/v1/segments/infer",
        json.dumps({"findings": [{"muscle": "deltoid", "side": "left", "notes": "x\u0000"}]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert nested.status_code == 422
    assert [f["field"] for f in nested.json()["fields"]] == ["findings.0.notes"]
    query = client.get("/api/v1/patients?q=a%00b", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert query.status_code == 422 and query.json()["fields"][0]["field"] == "q"
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/vnd.api+json", "application/x-www-form-urlencoded", ""],
)
def test_api_bodies_that_are_not_declared_json_are_415(client, practitioner, content_type):
    # ninja parsed any body as JSON whatever its type: the NUL went through and was stored
    token = api_token(Client(), practitioner.username)
    response = client.generic(
        "POST",
        "/api/v1/patients",
        json.dumps(NUL_PATIENT),
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    multipart = client.post(
        "/api/v1/patients", {"family_name": "a\x00b"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert multipart.status_code == 415
    assert not Patient.objects.exists()


def test_an_oversized_body_is_413_in_the_error_shape_even_unauthenticated(client, practitioner):
    huge = json.dumps({"username": "x" * (2 * 1024 * 1024), "password": "y"})
    response = client.post("/api/v1/auth/token", huge, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    token = api_token(Client(), practitioner.username)
    response = client.post(
        "/api/v1/patients",
        huge,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_ids_beyond_64_bits_are_4xx_not_a_server_error(client, practitioner, patient, episode):
    token = api_token(Client(), practitioner.username)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"episode_id": 2**63, "session_date": "2026-01-01", "pain_before": 3}
    response = client.post(
        f"/api/v1/patients/{patient.pk}/sessions",
        json.dumps(body),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "episode_id"
    plan = client.post(
        f"/api/v1/patients/{patient.pk}/plans",
        json.dumps({"assessment_id": 2**64}),
        content_type="application/json",
        **auth,
    )
    assert plan.status_code == 422
    for path in (f"/api/v1/patients/{2**70}", f"/api/v1/sessions/{2**63}"):
        response = client.get(path, **auth)
        assert response.status_code == 404 and response.json()["code"] == "not_found", path
    client.force_login(practitioner)
    assert client.get(f"/patients/{2**66}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("patient=99999999999999999999999", 422),
        ("patient=%C2%B2", 422),  # a digit to str.isdigit, not to int()
        ("to=9999-12-31", 200),
        ("from=0001-01-01", 200),
        ("from=0001-01-01&to=9999-12-31", 200),
    ],
)
def test_audit_filters_at_the_edges_are_answered_on_the_page(client, clinic, query, status):
    from tests.factories import make_user

    client.force_login(make_user(clinic, "audit.admin", "admin"))
    for url in ("/audit/", "/audit/export.csv"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == status, (url, query)
        if status == 422:
            assert b"Patient: the record number" in response.content

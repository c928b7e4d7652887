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


def test_nul_characters_are_refused_not_a_server_error(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/patients/", {"q": "a\x00b"}).status_code == 400
    token = api_token(Client(), practitioner.username)
    response = client.post(
        "/api/v1/patients",
        {"family_name": "a\u0000", "given_name": "b", "date_of_birth": "1980-01-01"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400

"""Two-step login: enrolment, verification at login, recovery codes, clinic enforcement."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from imsclinic.accounts.models import RecoveryCode
from imsclinic.core.models import AuditEvent
from tests.factories import PASSWORD


def _code(secret: str, steps_ahead: int = 1) -> str:
    # The enrolment code's step is used up; the next step is inside the accepted window.
    return pyotp.TOTP(secret).at(timezone.now() + dt.timedelta(seconds=30 * steps_ahead))


def _enrol(client: Client, user) -> tuple[str, list[str]]:
    client.force_login(user)
    page = client.get("/account/mfa/")
    assert page.status_code == 200
    secret = client.session["imsclinic_mfa_enrol_secret"]
    assert "otpauth://totp/" in page.content.decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.content.decode()
    done = client.post("/account/mfa/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.content
    codes = re.findall(
        r"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>", done.content.decode()
    )
    assert len(codes) == 10
    client.logout()
    return secret, codes


@pytest.fixture
def enrolled(practitioner):
    secret, codes = _enrol(Client(), practitioner)
    practitioner.refresh_from_db()
    return secret, codes


def test_enrolment_stores_only_hashes_of_recovery_codes(practitioner, enrolled):
    secret, codes = enrolled
    assert practitioner.has_mfa and practitioner.totp_secret == secret
    stored = set(RecoveryCode.objects.filter(user=practitioner).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for h in stored for code in codes)
    assert AuditEvent.objects.filter(action="mfa_enrol", user=practitioner).exists()


def test_enrolment_with_a_wrong_code_is_refused(client, practitioner):
    client.force_login(practitioner)
    client.get("/account/mfa/")
    response = client.post("/account/mfa/", {"code": "000000"})
    assert response.status_code == 422
    assert b"does not match" in response.content
    practitioner.refresh_from_db()
    assert not practitioner.has_mfa


def test_login_asks_for_the_code_after_the_password(client, practitioner, enrolled):
    secret, _ = enrolled
    response = client.post("/login/", {"username": practitioner.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    # Not logged in yet
    assert client.get("/").status_code == 302
    wrong = client.post("/login/verify/", {"code": "123456"})
    assert wrong.status_code == 401 and b"wrong or already used" in wrong.content
    ok = client.post("/login/verify/", {"code": _code(secret)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_cannot_be_replayed(practitioner, enrolled):
    secret, _ = enrolled
    code = _code(secret)
    first, second = Client(), Client()
    for browser in (first, second):
        browser.post("/login/", {"username": practitioner.username, "password": PASSWORD})
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    assert second.post("/login/verify/", {"code": code}).status_code == 401


def test_recovery_code_works_once(practitioner, enrolled):
    _, codes = enrolled
    for expected in (302, 401):
        browser = Client()
        browser.post("/login/", {"username": practitioner.username, "password": PASSWORD})
        assert browser.post("/login/verify/", {"code": codes[0].lower()}).status_code == expected


def test_verify_step_without_password_step_goes_back_to_login(client, practitioner, enrolled):
    response = client.post("/login/verify/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_wrong_codes_count_towards_the_lockout(client, practitioner, enrolled):
    secret, _ = enrolled
    client.post("/login/", {"username": practitioner.username, "password": PASSWORD})
    for _ in range(5):
        client.post("/login/verify/", {"code": "000000"})
    assert client.post("/login/verify/", {"code": _code(secret)}).status_code == 429


def test_api_token_needs_the_code_when_enrolled(client, practitioner, enrolled):
    secret, _ = enrolled
    body = {"username": practitioner.username, "password": PASSWORD}
    refused = client.post("/api/v1/auth/token", body, content_type="application/json")
    assert refused.status_code == 401 and refused.json()["code"] == "mfa_required"
    body["otp"] = _code(secret)
    assert (
        client.post("/api/v1/auth/token", body, content_type="application/json").status_code == 200
    )


def test_clinic_requiring_mfa_sends_staff_to_enrol_first(client, clinic, practitioner):
    clinic.require_mfa = True
    clinic.save()
    response = client.post("/login/", {"username": practitioner.username, "password": PASSWORD})
    assert response["Location"] == "/account/mfa/"
    # Every page leads to enrolment until it is done
    assert client.get("/patients/")["Location"] == "/account/mfa/"
    page = client.get("/account/mfa/")
    assert b"requires two-step login" in page.content
    client.post(
        "/account/mfa/", {"code": pyotp.TOTP(client.session["imsclinic_mfa_enrol_secret"]).now()}
    )
    assert client.get("/patients/").status_code == 200
    # And the API refuses a token without enrolment
    other = Client()
    practitioner.refresh_from_db()
    practitioner.totp_secret = ""
    practitioner.mfa_enrolled_at = None
    practitioner.save()
    refused = other.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 401 and refused.json()["code"] == "mfa_required"


def _start_replacement(client: Client, user) -> str:
    client.force_login(user)
    client.get("/account/mfa/")
    return client.session["imsclinic_mfa_enrol_secret"]


def test_replacing_the_authenticator_needs_the_password_and_a_current_code(
    client, practitioner, enrolled
):
    old_secret, _ = enrolled
    new_secret = _start_replacement(client, practitioner)
    page = client.get("/account/mfa/")
    assert b'name="current_code"' in page.content and b'name="password"' in page.content
    new_secret = client.session["imsclinic_mfa_enrol_secret"]
    # A live session alone (an unlocked workstation) cannot swap the authenticator
    bare = client.post("/account/mfa/", {"code": pyotp.TOTP(new_secret).now()})
    assert bare.status_code == 422
    assert b"Your password is wrong" in bare.content
    wrong_code = client.post(
        "/account/mfa/",
        {"code": pyotp.TOTP(new_secret).now(), "password": PASSWORD, "current_code": "000000"},
    )
    assert wrong_code.status_code == 422 and b"wrong or already used" in wrong_code.content
    practitioner.refresh_from_db()
    assert practitioner.totp_secret == old_secret
    # With the password and a code of the current authenticator, it is replaced
    done = client.post(
        "/account/mfa/",
        {
            "code": pyotp.TOTP(new_secret).now(),
            "password": PASSWORD,
            "current_code": _code(old_secret),
        },
    )
    assert done.status_code == 200, done.content
    practitioner.refresh_from_db()
    assert practitioner.totp_secret == new_secret


def test_a_recovery_code_can_stand_in_for_the_lost_authenticator(client, practitioner, enrolled):
    _, codes = enrolled
    new_secret = _start_replacement(client, practitioner)
    done = client.post(
        "/account/mfa/",
        {"code": pyotp.TOTP(new_secret).now(), "password": PASSWORD, "current_code": codes[3]},
    )
    assert done.status_code == 200, done.content
    practitioner.refresh_from_db()
    assert practitioner.totp_secret == new_secret


def test_guessing_the_password_on_the_enrolment_page_meets_the_lockout(
    client, practitioner, enrolled
):
    new_secret = _start_replacement(client, practitioner)
    statuses = [
        client.post(
            "/account/mfa/",
            {"code": pyotp.TOTP(new_secret).now(), "password": f"guess-{n}", "current_code": "1"},
        ).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429


def test_requiring_two_step_login_revokes_tokens_issued_without_it(client, clinic, practitioner):
    from imsclinic.accounts.actions import clinic_require_mfa
    from imsclinic.accounts.models import ApiToken
    from tests.factories import api_token, make_actor, make_user

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(Client(), practitioner.username)}"}
    assert client.get("/api/v1/patients", **auth).status_code == 200
    # When the clinic admin turns the requirement on
    admin = make_actor(make_user(clinic, "clinic.admin", "admin"))
    clinic_require_mfa(actor=admin, required=True)
    # Then the token issued with the password alone stops working at once
    assert client.get("/api/v1/patients", **auth).status_code == 401
    assert not ApiToken.objects.filter(user=practitioner, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="change", object_type="Clinic")
    assert event.detail == "two-step login required; 1 API tokens revoked"


def test_a_requirement_set_any_other_way_refuses_old_tokens_too(client, clinic, practitioner):
    from tests.factories import api_token

    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token(Client(), practitioner.username)}"}
    clinic.require_mfa = True
    clinic.save()  # e.g. through Django's shell or a future settings page
    assert client.get("/api/v1/patients", **auth).status_code == 401


def test_tokens_issued_with_the_code_survive_the_requirement(
    client, clinic, practitioner, enrolled
):
    from imsclinic.accounts.actions import clinic_require_mfa
    from tests.factories import api_token, make_actor, make_user

    secret, _ = enrolled
    token = api_token(Client(), practitioner.username, otp=_code(secret))
    clinic_require_mfa(actor=make_actor(make_user(clinic, "clinic.admin", "admin")), required=True)
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_only_admins_set_the_requirement(clinic, actor):
    from imsclinic.accounts.actions import clinic_require_mfa
    from imsclinic.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        clinic_require_mfa(actor=actor, required=True)

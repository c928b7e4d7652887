"""Admin > Practitioners: accounts, roles, credentials, needling authorizations and their
expiry warnings, account recovery (unlock, reset two-step login) and turning two-step
login off. Every change is an audited action; only admins reach the pages."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from imsclinic.accounts import actions
from imsclinic.accounts.actions.tokens import _token_create as token_create
from imsclinic.accounts.models import ApiToken, LoginAttempt, NeedlingAuthorization, User
from imsclinic.core.errors import NotFound, PermissionDenied, ValidationProblem
from imsclinic.core.models import AuditEvent
from tests.factories import PASSWORD, make_actor, make_practitioner, make_user, today


@pytest.fixture
def admin(clinic):
    return make_user(clinic, "ad.rivera", "admin")


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def _new_practitioner(admin_client, **overrides):
    data = {
        "first_name": "Noor",
        "last_name": "Haddad",
        "email": "noor@example.org",
        "role": "practitioner",
        "username": "pt.haddad",
        "password": "a-long-synthetic-passphrase-9",
        "profession": "Physiotherapist",
        "designation": "PT",
        "registration_number": "PT-4411",
        "regulatory_body": "Synthetic College of Physiotherapists",
    }
    data.update(overrides)
    return admin_client.post("/staff/new/", data)


def test_admin_creates_a_practitioner_audited(admin_client, admin):
    response = _new_practitioner(admin_client)
    user = User.objects.get(username="pt.haddad")
    assert response.status_code == 302 and response["Location"] == f"/staff/{user.pk}/"
    assert user.clinic_id == admin.clinic_id and user.role == "practitioner"
    assert (user.designation, user.registration_number, user.email) == (
        "PT",
        "PT-4411",
        "noor@example.org",
    )
    assert user.check_password("a-long-synthetic-passphrase-9")
    event = AuditEvent.objects.get(action="create", object_type="User", object_id=user.pk)
    assert event.user_id == admin.pk and "a-long" not in event.detail


def test_every_problem_of_the_new_account_form_at_once(admin_client, practitioner):
    response = _new_practitioner(
        admin_client,
        username=practitioner.username,
        password="short",
        email="not-an-address",
        last_name="",
        designation="!!",
    )
    assert response.status_code == 422
    body = response.content.decode()
    for field in ("username", "password", "email", "last_name", "designation"):
        assert f'id="err-{field}"' in body, field
    assert not User.objects.filter(email="not-an-address").exists()


def test_only_admins_reach_the_staff_pages(client, clinic, practitioner):
    desk = make_user(clinic, "fd.lee", "front_desk")
    for user in (practitioner, desk):
        client.force_login(user)
        for url in ("/staff/", "/staff/new/", f"/staff/{practitioner.pk}/"):
            assert client.get(url).status_code == 403, (user.role, url)
    with pytest.raises(PermissionDenied):
        actions.staff_create(
            actor=make_actor(practitioner), username="x", password=PASSWORD, role="admin"
        )


def test_another_clinics_user_is_not_found(admin_client, other_clinic):
    stranger = make_practitioner(other_clinic, "pt.stranger")
    assert admin_client.get(f"/staff/{stranger.pk}/").status_code == 404
    response = admin_client.post(f"/staff/{stranger.pk}/", {"op": "deactivate"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_role_change_and_the_last_admin_stays(admin_client, admin, practitioner):
    response = admin_client.post(f"/staff/{practitioner.pk}/", {"op": "role", "role": "admin"})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.role == "admin"
    assert AuditEvent.objects.filter(
        action="change", object_id=practitioner.pk, detail="role practitioner -> admin"
    ).exists()
    actions.staff_role_change(actor=make_actor(admin), user=practitioner, role="practitioner")
    response = admin_client.post(f"/staff/{admin.pk}/", {"op": "role", "role": "front_desk"})
    assert response.status_code == 422
    assert "only active admin" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_deactivation_ends_login_and_tokens_but_not_for_oneself(admin_client, admin, practitioner):
    token_create(practitioner)
    response = admin_client.post(f"/staff/{practitioner.pk}/", {"op": "deactivate"})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_active
    assert not ApiToken.objects.filter(user=practitioner, revoked_at__isnull=True).exists()
    login = Client().post("/login/", {"username": practitioner.username, "password": PASSWORD})
    assert login.status_code == 401
    own = admin_client.post(f"/staff/{admin.pk}/", {"op": "deactivate"})
    assert own.status_code == 422 and "cannot deactivate your own" in own.content.decode()
    admin_client.post(f"/staff/{practitioner.pk}/", {"op": "activate"})
    practitioner.refresh_from_db()
    assert practitioner.is_active


def test_admin_records_and_revokes_an_authorization(admin_client, admin, clinic):
    nurse = make_user(clinic, "pt.new")
    page = admin_client.get(f"/staff/{nurse.pk}/").content.decode()
    assert page.count("none current") == 2
    start = today() - dt.timedelta(days=10)
    response = admin_client.post(
        f"/staff/{nurse.pk}/",
        {
            "op": "authorization",
            "kind": "ims_certification",
            "reference": "IMS-2026-77",
            "issuer": "Synthetic IMS course",
            "valid_from": start.isoformat(),
            "valid_until": (today() + dt.timedelta(days=700)).isoformat(),
        },
    )
    assert response.status_code == 302
    authorization = NeedlingAuthorization.objects.get(practitioner=nurse)
    assert authorization.reference == "IMS-2026-77" and authorization.clinic_id == clinic.pk
    assert AuditEvent.objects.filter(
        action="create", object_type="NeedlingAuthorization", object_id=authorization.pk
    ).exists()
    page = admin_client.get(f"/staff/{nurse.pk}/").content.decode()
    assert page.count("none current") == 1
    admin_client.post(
        f"/staff/{nurse.pk}/",
        {"op": "revoke", "authorization_id": authorization.pk, "revoked_on": today().isoformat()},
    )
    authorization.refresh_from_db()
    assert authorization.revoked_on == today()
    assert not authorization.is_current_on(today())


def test_bad_authorization_input_names_each_field(admin_client, clinic):
    nurse = make_user(clinic, "pt.new")
    response = admin_client.post(
        f"/staff/{nurse.pk}/",
        {"op": "authorization", "kind": "ims_certification", "reference": "", "valid_from": "x"},
    )
    assert response.status_code == 422
    assert 'id="err-valid_from"' in response.content.decode()
    response = admin_client.post(
        f"/staff/{nurse.pk}/",
        {
            "op": "authorization",
            "kind": "ims_certification",
            "reference": "",
            "valid_from": "2026-05-01",
            "valid_until": "2026-04-01",
        },
    )
    body = response.content.decode()
    assert 'id="err-reference"' in body and 'id="err-valid_until"' in body
    assert not NeedlingAuthorization.objects.filter(practitioner=nurse).exists()


def test_unlock_lets_a_locked_out_user_log_in_again(admin_client, practitioner):
    for _ in range(5):
        Client().post("/login/", {"username": practitioner.username, "password": "wrong"})
    assert actions.login_locked(username=practitioner.username, address=None)
    assert "locked out" in admin_client.get("/staff/").content.decode()
    response = admin_client.post(f"/staff/{practitioner.pk}/", {"op": "unlock"})
    assert response.status_code == 302
    assert not actions.login_locked(username=practitioner.username, address=None)
    assert AuditEvent.objects.filter(action="account_unlock", object_id=practitioner.pk).exists()
    # The failures stay in the audit trail.
    assert AuditEvent.objects.filter(action="login_failed", user=practitioner).count() >= 5
    login = Client().post(
        "/login/",
        {"username": practitioner.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert login.status_code == 302


def _enrol(user) -> str:
    secret = actions.mfa_new_secret()
    actions.mfa_enrol(user=user, secret=secret, code=pyotp.TOTP(secret).now(), address=None)
    user.refresh_from_db()
    return secret


def _next_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(timezone.now() + dt.timedelta(seconds=30))


def test_admin_resets_two_step_login(admin_client, practitioner):
    _enrol(practitioner)
    response = admin_client.post(f"/staff/{practitioner.pk}/", {"op": "mfa_reset"})
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.has_mfa and not practitioner.recovery_codes.exists()
    assert AuditEvent.objects.filter(action="mfa_reset", object_id=practitioner.pk).exists()
    # The password alone now logs in (no second step).
    login = Client().post("/login/", {"username": practitioner.username, "password": PASSWORD})
    assert login.status_code == 302 and login["Location"] == "/"


def test_setup_shows_a_qr_code_as_svg(client, practitioner):
    client.force_login(practitioner)
    body = client.get("/account/mfa/").content.decode()
    svg = re.search(r'<div class="qr-code" id="totp-qr">(<svg .*?</svg>)\s*</div>', body, re.S)
    assert svg and 'class="qr"' in svg.group(1) and "<path" in svg.group(1)
    assert "<script" not in svg.group(1)


def test_user_turns_off_two_step_login_with_password_and_code(client, practitioner):
    secret = _enrol(practitioner)
    client.force_login(practitioner)
    wrong = client.post("/account/mfa/off/", {"password": "nope", "code": _next_code(secret)})
    assert wrong.status_code == 422 and 'id="off-password-error"' in wrong.content.decode()
    bad_code = client.post("/account/mfa/off/", {"password": PASSWORD, "code": "000000"})
    assert bad_code.status_code == 422 and 'id="off-code-error"' in bad_code.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.has_mfa
    done = client.post("/account/mfa/off/", {"password": PASSWORD, "code": _next_code(secret)})
    assert done.status_code == 200 and "Two-step login is off" in done.content.decode()
    practitioner.refresh_from_db()
    assert not practitioner.has_mfa
    assert AuditEvent.objects.filter(action="mfa_disable", user=practitioner).exists()


def test_two_step_login_stays_on_when_the_clinic_requires_it(client, clinic, practitioner):
    secret = _enrol(practitioner)
    clinic.require_mfa = True
    clinic.save()
    client.force_login(practitioner)
    assert "Turn off two-step login" not in client.get("/account/mfa/").content.decode()
    response = client.post("/account/mfa/off/", {"password": PASSWORD, "code": _next_code(secret)})
    assert response.status_code == 422
    assert "requires two-step login" in response.content.decode()
    practitioner.refresh_from_db()
    assert practitioner.has_mfa


# Expiry warnings -------------------------------------------------------------------------


def _expiring(clinic, username, days):
    return make_practitioner(clinic, username, authorized_until=today() + dt.timedelta(days=days))


def test_today_warns_30_days_before_an_authorization_expires(admin_client, clinic, practitioner):
    soon = _expiring(clinic, "pt.soon", 30)
    later = _expiring(clinic, "pt.later", 31)
    page = admin_client.get("/").content.decode()
    panel = page[page.index('id="authorization-warnings"') :]
    assert soon.display_name in panel and "in 30 days" in panel
    assert later.display_name not in panel
    assert practitioner.display_name not in panel  # authorized for a year
    # A practitioner sees only their own warning; front desk none.
    own = Client()
    own.force_login(soon)
    assert "in 30 days" in own.get("/").content.decode()
    own.force_login(later)
    assert 'id="authorization-warnings"' not in own.get("/").content.decode()


def test_a_renewal_recorded_in_advance_ends_the_warning(admin, admin_client, clinic):
    soon = _expiring(clinic, "pt.soon", 10)
    for kind in ("ims_certification", "restricted_activity"):
        actions.authorization_record(
            actor=make_actor(admin),
            practitioner=soon,
            kind=kind,
            reference=f"R-{kind}",
            valid_from=today() - dt.timedelta(days=1),
            valid_until=today() + dt.timedelta(days=800),
        )
    assert 'id="authorization-warnings"' not in admin_client.get("/").content.decode()


def test_the_staff_list_reads_a_constant_number_of_queries(admin_client, clinic):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/staff/").status_code == 200
        return len(queries)

    first = count()
    for n in range(5):
        make_practitioner(clinic, f"pt.extra{n}")
    assert count() == first


def test_actions_refuse_another_clinics_user(admin, other_clinic):
    stranger = make_practitioner(other_clinic, "pt.stranger")
    with pytest.raises(NotFound):
        actions.mfa_reset(actor=make_actor(admin), user=stranger)
    with pytest.raises(NotFound):
        actions.account_unlock(actor=make_actor(admin), user=stranger)
    with pytest.raises(ValidationProblem):
        actions.staff_role_change(actor=make_actor(admin), user=admin, role="nobody")
    assert LoginAttempt.objects.count() == 0


def test_the_lapsed_message_points_to_admin_practitioners(admin_client, admin, client, clinic):
    from tests.factories import make_actor, make_consented_patient, make_episode

    practitioner = make_practitioner(clinic, "pt.some")
    patient = make_consented_patient(make_actor(practitioner))
    make_episode(make_actor(practitioner), patient)
    page = admin_client.get(f"/patients/{patient.pk}/sessions/new/").content.decode()
    assert f'<a href="/staff/{admin.pk}/">Admin &gt; Practitioners</a>' in page
    lapsed = make_practitioner(clinic, "pt.lapsed", authorized_until=today() - dt.timedelta(days=1))
    client.force_login(lapsed)
    page = client.get(f"/patients/{patient.pk}/sessions/new/").content.decode()
    assert "Your clinic admin records it in Admin &gt; Practitioners" in page

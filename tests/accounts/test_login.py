"""Login: passwords, lockout, session rotation, idle logoff, password change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.utils import timezone

from imsclinic.accounts.models import ApiToken, LoginAttempt
from imsclinic.core.models import AuditEvent
from tests.factories import PASSWORD, api_token, make_user

WRONG = "wrong-password-123"


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_production_hasher_is_argon2_and_passwords_need_ten_characters(practitioner):
    from imsclinic.config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    minimum = next(v for v in base.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"])
    assert minimum["OPTIONS"]["min_length"] == 10


def test_login_succeeds_rotates_the_session_id_and_is_audited(client, practitioner):
    # Given a visitor with a session (e.g. a planted session id)
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    # When they log in
    response = _login(client, practitioner.username, PASSWORD)
    # Then they land on the dashboard with a new session id
    assert response.status_code == 302 and response["Location"] == "/"
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.filter(action="login").last()
    assert event.username == practitioner.username and event.address == "10.0.0.1"


def test_wrong_password_is_refused_and_audited(client, practitioner):
    response = _login(client, practitioner.username, WRONG)
    assert response.status_code == 401
    assert b"Username or password is wrong" in response.content
    event = AuditEvent.objects.filter(action="login_failed").last()
    assert (event.username, event.outcome, event.user_id) == (
        practitioner.username,
        "denied",
        practitioner.pk,
    )


def test_five_failures_lock_the_username_for_fifteen_minutes(client, practitioner):
    # Given five wrong passwords for one username (from different addresses)
    for n in range(5):
        _login(client, practitioner.username, WRONG, address=f"10.0.1.{n}")
    # When the right password is tried
    response = _login(client, practitioner.username, PASSWORD, address="10.0.2.1")
    # Then the account is locked with a clear message, and the refusal is audited
    assert response.status_code == 429
    assert b"locked for 15 minutes" in response.content
    assert AuditEvent.objects.filter(action="login_failed", detail="locked out").exists()
    # And once the failures are older than the window, the right password works again
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert _login(client, practitioner.username, PASSWORD, address="10.0.2.1").status_code == 302


def test_failures_from_one_address_do_not_lock_out_other_staff(client, clinic, practitioner):
    # Issue 16: two wrong passwords for one user and wrong codes for another locked out a
    # third user at the same clinic (one public address) who typed the right password.
    colleague = make_user(clinic, "pt.colleague")
    for _ in range(2):
        _login(client, colleague.username, WRONG, address="10.9.9.9")
    for n in range(3):
        _login(client, f"guess{n}", WRONG, address="10.9.9.9")
    assert _login(client, practitioner.username, PASSWORD, address="10.9.9.9").status_code == 302
    # A busy morning of typos across the whole clinic: still no slowing
    for n in range(40):
        _login(Client(), f"typo{n}", WRONG, address="10.9.9.9")
    assert _login(Client(), practitioner.username, PASSWORD, address="10.9.9.9").status_code == 302


def test_address_guessing_many_usernames_is_slowed_progressively_never_locked(
    client, practitioner, settings
):
    settings.IMSCLINIC_LOGIN_ADDRESS_FREE_FAILURES = 3
    settings.IMSCLINIC_LOGIN_ADDRESS_MAX_DELAY_SECONDS = 8
    for n in range(3):
        assert _login(client, f"guess{n}", WRONG, address="10.9.9.9").status_code == 401
    # The next attempt must wait 1 s after the last failure, whoever it is for
    slowed = _login(client, practitioner.username, PASSWORD, address="10.9.9.9")
    assert slowed.status_code == 429 and slowed["Retry-After"] == "1"
    assert b"wait 1 second, then try again" in slowed.content
    assert AuditEvent.objects.filter(detail="slowed down: 1 s").exists()
    # Another address is not affected
    assert _login(Client(), practitioner.username, PASSWORD, address="10.9.9.8").status_code == 302
    waits = []
    for n in range(5):
        LoginAttempt.objects.update(at=F("at") - dt.timedelta(seconds=9))  # after the wait
        _login(client, f"again{n}", WRONG, address="10.9.9.9")
        waits.append(int(_login(client, f"again{n}", WRONG, address="10.9.9.9")["Retry-After"]))
    assert waits == [2, 4, 8, 8, 8]  # doubling, capped
    # Never a lock: once the wait has passed, the right password works
    LoginAttempt.objects.update(at=F("at") - dt.timedelta(seconds=9))
    assert _login(client, practitioner.username, PASSWORD, address="10.9.9.9").status_code == 302


def test_the_address_delay_doubles_from_the_free_allowance_to_its_cap():
    from imsclinic.accounts.throttle import address_delay, limits

    limit = limits()
    assert limit.address_free_failures == 50 and limit.address_max_delay == 60
    assert [address_delay(n, limit) for n in (0, 49, 50, 51, 52, 55, 56, 500)] == [
        0,
        0,
        1,
        2,
        4,
        32,
        60,
        60,
    ]


def test_api_token_endpoint_shares_the_lockout(client, practitioner):
    for _ in range(5):
        client.post(
            "/api/v1/auth/token",
            {"username": practitioner.username, "password": WRONG},
            content_type="application/json",
        )
    response = client.post(
        "/api/v1/auth/token",
        {"username": practitioner.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked"


def test_idle_session_is_logged_out_after_fifteen_minutes(client, practitioner):
    assert settings.IMSCLINIC_IDLE_TIMEOUT_SECONDS == 15 * 60
    client.force_login(practitioner)
    assert client.get("/").status_code == 200
    # When the last request was 16 minutes ago
    session = client.session
    session["imsclinic_last_seen"] -= 16 * 60
    session.save()
    # Then the next request is logged out
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302


def test_active_session_within_fifteen_minutes_stays(client, practitioner):
    client.force_login(practitioner)
    client.get("/")
    session = client.session
    session["imsclinic_last_seen"] -= 14 * 60
    session.save()
    assert client.get("/patients/").status_code == 200


def test_password_change_ends_every_other_session_and_token(practitioner):
    # Given the same user logged in on two browsers and holding an API token
    here, elsewhere = Client(), Client()
    assert _login(here, practitioner.username, PASSWORD).status_code == 302
    assert _login(elsewhere, practitioner.username, PASSWORD, "10.0.0.2").status_code == 302
    token = api_token(Client(), practitioner.username)
    # When they change the password here
    new = "a-much-better-passphrase-42"
    response = here.post("/account/password/", {"old_password": PASSWORD, "new_password": new})
    assert response.status_code == 200 and b"Password changed" in response.content
    # Then this session continues, the other one ends, and the token is revoked
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ApiToken.objects.filter(user=practitioner, revoked_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="password_change", user=practitioner).exists()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short1x", b"at least 10"),
        ("password123", b"too common"),
        ("8675309912", b"entirely numeric"),
    ],
)
def test_password_rules(client, practitioner, new, message):
    client.force_login(practitioner)
    response = client.post("/account/password/", {"old_password": PASSWORD, "new_password": new})
    assert response.status_code == 422
    assert message in response.content


def test_wrong_current_password_does_not_change_it(client, practitioner):
    client.force_login(practitioner)
    response = client.post(
        "/account/password/", {"old_password": WRONG, "new_password": "another-good-phrase"}
    )
    assert response.status_code == 422
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_inactive_or_clinicless_users_cannot_log_in(client, clinic):
    user = make_user(clinic, "left.clinic")
    user.is_active = False
    user.save()
    assert _login(client, user.username, PASSWORD).status_code == 401


def test_login_next_parameter_cannot_redirect_off_site(client, practitioner):
    response = client.post(
        "/login/",
        {"username": practitioner.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_attempts_are_pruned_on_write_and_by_command(client, practitioner, settings):
    from django.core.management import call_command

    settings.IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS = 24
    _login(client, practitioner.username, WRONG)
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(hours=25))
    # A new attempt deletes rows past the retention (the audit trail keeps the failure)
    _login(client, "someone.else", WRONG)
    assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["someone.else"]
    assert AuditEvent.objects.filter(username=practitioner.username, action="login_failed")
    # And the command does it on demand
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(days=3))
    call_command("prune_login_attempts", stdout=(out := __import__("io").StringIO()))
    assert LoginAttempt.objects.count() == 0
    assert "Deleted 1 login attempts older than 24 hours" in out.getvalue()


def test_retention_never_drops_below_the_lockout_window(settings):
    from imsclinic.accounts.throttle import limits

    settings.IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS = 0
    assert limits().retention == dt.timedelta(minutes=15)

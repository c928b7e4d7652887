"""Admin > Practitioners in Chromium: an admin creates a practitioner and records both
needling authorizations, and the practitioner then charts a session; an admin unlocks a
locked-out account and resets a lost two-step login."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from playwright.sync_api import expect

from imsclinic.accounts import actions
from imsclinic.accounts.models import LoginAttempt, User
from imsclinic.charting.models import TreatmentSession
from tests.factories import PASSWORD, make_user, today

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")


def test_admin_creates_a_practitioner_who_then_charts(
    page, live_server, login, clinic, patient, episode, screenshot
):
    admin = make_user(clinic, "ad.rivera", "admin")
    login(admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Practitioners and staff")).to_be_visible()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Given name").fill("Noor")
    page.get_by_label("Family name").fill("Haddad")
    page.get_by_label("Role").select_option("practitioner")
    page.get_by_label("Username").fill("pt.haddad")
    page.get_by_label("First password").fill(PASSWORD)
    page.get_by_label("Designation").fill("PT")
    page.get_by_label("Registration number").fill("PT-4411")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Account pt.haddad created")

    # Both authorizations, each with its expiry date
    for kind, number in (("ims_certification", "IMS-77"), ("restricted_activity", "RA-12")):
        page.get_by_label("Kind").select_option(kind)
        page.get_by_label("Certificate or permit number").fill(number)
        page.get_by_label("Valid from").fill(str(today() - dt.timedelta(days=30)))
        page.get_by_label("Expires").fill(str(today() + dt.timedelta(days=365)))
        page.get_by_role("button", name="Record authorization").click()
        expect(page.get_by_role("status")).to_contain_text("Authorization recorded")
    expect(page.locator("#coverage")).not_to_contain_text("none current")
    screenshot(page, "60-admin-practitioner")
    _log_out(page)

    # The new practitioner charts a session with an insertion
    login(User.objects.get(username="pt.haddad"))
    page.goto(f"{live_server.url}/patients/{patient.pk}/sessions/new/")
    page.get_by_label("Pain before (0-10)").fill("6")
    page.get_by_label("Muscle 1", exact=True).fill("Gluteus medius")
    page.get_by_label("Side 1", exact=True).select_option("left")
    page.get_by_label("Needle lot 1", exact=True).fill("LOT-R-1")
    page.locator("#save-sign").click()
    expect(page.get_by_role("heading", name="Note (read-only)")).to_be_visible()
    assert TreatmentSession.objects.get().practitioner.username == "pt.haddad"


def test_admin_unlocks_a_locked_out_user(page, live_server, login, clinic, practitioner):
    admin = make_user(clinic, "ad.rivera", "admin")
    for _ in range(5):
        LoginAttempt.objects.create(username=practitioner.username, address="10.9.9.9")
    assert actions.login_locked(username=practitioner.username, address=None)
    login(admin)
    page.goto(f"{live_server.url}/staff/")
    row = page.locator(f"#staff-{practitioner.pk}")
    expect(row).to_contain_text("locked out")
    row.get_by_role("link").first.click()
    page.get_by_role("button", name="Unlock account").click()
    expect(page.get_by_role("status")).to_contain_text("can log in again now")
    expect(page.get_by_role("button", name="Unlock account")).to_have_count(0)
    assert not actions.login_locked(username=practitioner.username, address=None)


def test_admin_resets_a_lost_two_step_login(page, live_server, login, clinic, practitioner):
    secret = actions.mfa_new_secret()
    actions.mfa_enrol(user=practitioner, secret=secret, code=pyotp.TOTP(secret).now(), address=None)
    admin = make_user(clinic, "ad.rivera", "admin")
    login(admin)
    page.goto(f"{live_server.url}/staff/{practitioner.pk}/")
    page.get_by_role("button", name="Reset two-step login").click()
    expect(page.get_by_role("status")).to_contain_text("Two-step login of")
    _log_out(page)
    # The practitioner logs in with the password alone and may set up a new phone,
    # whose QR code the set-up page shows.
    login(practitioner)
    page.goto(f"{live_server.url}/account/mfa/")
    expect(page.locator("#totp-qr svg")).to_be_visible()
    practitioner.refresh_from_db()
    assert not practitioner.has_mfa

"""Duplicate patients in Chromium: the registration form warns of a likely duplicate and
offers the existing record or to go on; an admin merges the duplicate into the record."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from imsclinic.core.models import AuditEvent
from imsclinic.patients.models import Patient
from tests.factories import make_patient, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _register(page, live_server) -> None:
    page.goto(f"{live_server.url}/patients/new/")
    page.get_by_label("Family name").fill("Nunez")
    page.get_by_label("Given name").fill("Ines")
    page.get_by_label("Date of birth").fill("1979-04-02")
    page.get_by_label("Health number").fill("12345 6789")
    page.get_by_role("button", name="Save patient").click()


def test_duplicate_warning_then_merge(page, live_server, login, clinic, actor, screenshot):
    existing = make_patient(
        actor,
        family_name="Ñúñez",
        given_name="Inés",
        date_of_birth=dt.date(1979, 4, 2),
        health_number="12345-6789",
    )
    login(make_user(clinic, "fd.lee", "front_desk"))
    _register(page, live_server)
    warning = page.get_by_role("region", name="This patient may already be registered")
    expect(warning).to_contain_text("Ñúñez, Inés")
    screenshot(page, "61-duplicate-warning")
    # Opening the existing record is one click
    warning.get_by_role("link", name="Ñúñez, Inés").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{existing.pk}/edit/")
    # Going on registers a second record (a different person, the user says)
    _register(page, live_server)
    page.get_by_role("button", name="Register as a new patient anyway").click()
    expect(page).not_to_have_url(f"{live_server.url}/patients/new/")
    duplicate = Patient.objects.exclude(pk=existing.pk).get()
    page.get_by_role("button", name="Log out").click()

    # The admin merges the duplicate into the first record
    login(make_user(clinic, "ad.rivera", "admin"))
    page.goto(f"{live_server.url}/patients/{duplicate.pk}/edit/")
    page.get_by_role("link", name="Merge this record into another").click()
    page.get_by_label(f"Ñúñez, Inés (#{existing.pk})", exact=False).check()
    page.get_by_label("I checked that both records are the same person").check()
    page.get_by_role("button", name="Merge into the record to keep").click()
    expect(page).to_have_url(f"{live_server.url}/patients/{existing.pk}/edit/")
    duplicate.refresh_from_db()
    assert duplicate.archived_at is not None
    assert AuditEvent.objects.filter(action="merge", patient_id=existing.pk).exists()

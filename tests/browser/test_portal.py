"""Done when (issue 15): the patient signs in to the portal from the e-mailed link on a
phone and sees the pain chart after two sessions, in plain words."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_signed_session,
    today,
)
from tests.portal.builders import patient_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_patient_signs_in_and_sees_the_pain_chart_after_two_sessions(
    page, live_server, practitioner, screenshot
):
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, given_name="Ada", email="ada@example.org")
    episode = make_episode(actor, patient)
    for days, pain in ((7, 7), (0, 4)):
        make_signed_session(
            actor,
            patient,
            episode,
            session_date=today() - dt.timedelta(days=days),
            pain_before=pain,
        )
    receipt = patient_invoice(patient, practitioner, paid="95.00")
    page.set_viewport_size({"width": 390, "height": 844})

    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        page.goto(f"{live_server.url}/portal/{patient.clinic.slug}/")
        page.get_by_label("Your e-mail address").fill("ada@example.org")
        page.get_by_role("button", name="E-mail me a sign-in link").click()
        expect(page.get_by_role("status")).to_contain_text("we have e-mailed you a sign-in link")

    console = io.StringIO()
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"),
        redirect_stdout(console),
    ):
        call_command("outbox", "send")
    url = re.search(rf"({re.escape(live_server.url)}/portal/sign-in/[\w-]+/)", console.getvalue())
    page.goto(url.group(1))
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Hello Ada")).to_be_visible()
    progress = page.get_by_role("region", name="Your progress")
    expect(progress).to_contain_text(
        "Your low back pain went from 7 to 4 (out of 10) over 2 sessions."
    )
    expect(progress.get_by_role("img", name=re.compile("Pain before each session"))).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^After your session"))).to_contain_text(
        "sore for a day or two"
    )
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the portal scrolls sideways at 390 px"
    screenshot(page, "53-portal-390")

    # Receipts: the patient's issued invoice, downloaded as the clinic's PDF
    page.get_by_role("link", name="See your receipts").click()
    expect(page.get_by_role("heading", name="Your receipts")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Invoice {receipt.number}")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role(
            "link", name=f"Download the receipt for invoice {receipt.number} (PDF)"
        ).click()
    assert download.value.suggested_filename == f"receipt-{receipt.number}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "the receipts page scrolls sideways at 390 px"
    screenshot(page, "54-portal-receipts-390")
    page.get_by_role("link", name="Back to your page").click()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()

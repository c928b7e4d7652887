"""Done when (issue 15): a new patient receives the intake link in the console outbox,
fills the health history with a red flag and signs consent on a phone; the practitioner
sees the red flag on Today and the chart and accepts the intake into the record."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from imsclinic.patients.models import Consent, Patient
from imsclinic.portal.models import IntakeSubmission
from tests.factories import make_actor, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_with_a_red_flag_signed_on_a_phone_then_accepted(
    page, context, live_server, login, practitioner, screenshot
):
    actor = make_actor(practitioner)
    patient = make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")
    make_episode(actor, patient)

    # The practitioner e-mails the intake form from the chart (with an NPRS baseline)
    login(practitioner)
    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        page.goto(f"{live_server.url}/patients/{patient.pk}/")
        intake = page.get_by_role("region", name="Intake form")
        intake.get_by_label("Baseline questionnaire").select_option("nprs")
        intake.get_by_role("button", name="E-mail the intake form to ada@example.org").click()
        expect(page.get_by_role("status").first).to_contain_text("Intake form e-mailed")

    # The sender delivers it to the console, as `make run` does
    console = io.StringIO()
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"),
        redirect_stdout(console),
    ):
        call_command("outbox", "send")
    printed = console.getvalue()
    assert "To: ada@example.org" in printed
    url = re.search(rf"({re.escape(live_server.url)}/intake/[\w-]+/)", printed).group(1)

    # The patient opens it on a phone, logged out
    phone = context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-CA", has_touch=False
    )
    phone.set_default_timeout(10_000)
    mobile = phone.new_page()
    try:
        mobile.goto(url)
        expect(mobile.get_by_role("heading", name="Your health form")).to_be_visible()
        mobile.get_by_label("Medicines you take").fill("apixaban 5 mg twice a day")
        mobile.get_by_role("checkbox", name=re.compile("I take a blood thinner")).check()
        for group in mobile.locator("fieldset.yes-no").all():
            group.get_by_label("No", exact=True).check()
        mobile.get_by_role(
            "group", name=re.compile("^Have you ever been treated for cancer")
        ).get_by_label("Yes", exact=True).check()
        mobile.get_by_role("group", name=re.compile(r"^1\. ")).get_by_label("7", exact=True).check()
        mobile.get_by_role("checkbox", name=re.compile("I have read this information")).check()
        mobile.get_by_label("Your full name (typed signature)").fill("Ada Okonkwo")
        pad = mobile.locator("canvas[data-signature-pad]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        mobile.mouse.move(box["x"] + 20, box["y"] + 120)
        mobile.mouse.down()
        for step in range(1, 12):
            mobile.mouse.move(box["x"] + 20 + step * 25, box["y"] + 120 - (step % 3) * 30)
        mobile.mouse.up()
        overflow = mobile.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, "the intake form scrolls sideways at 390 px"
        screenshot(mobile, "51-intake-form-390")
        mobile.get_by_role("button", name="Send my health form").click()
        expect(mobile.get_by_role("status")).to_contain_text("have been sent to the clinic")
        # The link is spent: opening it again shows nothing of the patient
        mobile.goto(url)
        expect(
            mobile.get_by_role("heading", name="This link has already been used")
        ).to_be_visible()
    finally:
        phone.close()
    submission = IntakeSubmission.objects.get()
    assert submission.red_flags == ["cancer"]
    assert submission.consent_signature.startswith("data:image/png;base64,")

    # The practitioner sees the red flag on Today and on the chart, and accepts the intake
    page.goto(f"{live_server.url}/")
    today = page.get_by_role("region", name="Intake forms to review")
    expect(today.get_by_text("Red flag: 1")).to_be_visible()
    today.get_by_role("link", name="Okonkwo, Ada").click()
    expect(page.get_by_role("region", name="Red flags")).to_contain_text("History of cancer")
    expect(page.get_by_role("img", name="Signature drawn by the patient")).to_be_visible()
    screenshot(page, "52-intake-review")
    page.get_by_role("checkbox", name=re.compile("I have gone over the consent")).check()
    page.get_by_role("button", name="Accept intake").click()
    expect(page.get_by_role("region", name="Red flags from the intake form")).to_contain_text(
        "History of cancer"
    )
    expect(page.get_by_text("Intake accepted into the record.")).to_be_visible()
    assert Patient.objects.get(pk=patient.pk).anticoagulants
    assert Consent.objects.get(patient=patient).text_version == "ims-2026.1"

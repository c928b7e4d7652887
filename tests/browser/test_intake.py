"""Done when (issue 15): a new patient receives the intake link in the console outbox when
the front desk books their first visit, fills the health history with a red flag, marks
the pain map and signs consent on a phone; the practitioner sees the red flag on Today and
the chart, the pain map on the review, and accepts the intake into the record."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from imsclinic.charting.body_chart import BACK_SHAPES
from imsclinic.patients.models import Consent, Patient
from imsclinic.portal.models import IntakeSubmission
from tests.factories import make_actor, make_patient, make_user
from tests.scheduling.builders import next_weekday, set_up_calendar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_with_a_red_flag_signed_on_a_phone_then_accepted(
    page, context, live_server, login, clinic, practitioner, screenshot
):
    actor = make_actor(practitioner)
    patient = make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")
    set_up_calendar(clinic, [practitioner], days=(0, 1, 2, 3, 4), starts="08:00", ends="17:00")
    desk = make_user(clinic, "frontdesk.i", "front_desk")
    monday = next_weekday(timezone.localdate() + dt.timedelta(days=7), 0)

    # The front desk books the new patient's first visit on the calendar: the intake form
    # goes out with the booking (no separate step)
    page.set_viewport_size({"width": 1024, "height": 768})
    login(desk)
    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        page.goto(f"{live_server.url}/calendar/?date={monday}")
        page.get_by_role("link", name=re.compile(r"^Book 10:00, Test Pt\.Morgan")).click()
        page.get_by_label("Find the patient").fill("Okonk")
        page.get_by_label(re.compile("Okonkwo, Ada")).check()
        page.get_by_label("Type").select_option(label="IMS assessment (60 min)")
        page.get_by_role("button", name="Book", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Booked:")
    page.get_by_role("button", name="Log out").click()

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
        # The pain map: a tap on the drawing ticks the region's checkbox, and the
        # keyboard ticks a checkbox that the drawing then shows
        back = mobile.locator("svg.pain-svg").nth(1)  # the drawing of the back
        back.scroll_into_view_if_needed()
        box = back.bounding_box()
        lower_back = next(s for s in BACK_SHAPES if s.key == "lower_back:left")
        mobile.mouse.click(
            box["x"] + lower_back.cx * box["width"] / 200,
            box["y"] + lower_back.cy * box["height"] / 440,
        )
        expect(mobile.get_by_role("checkbox", name="Lower back, left")).to_be_checked()
        buttock = mobile.get_by_role("checkbox", name="Buttock, left")
        buttock.focus()
        mobile.keyboard.press("Space")
        expect(buttock).to_be_checked()
        expect(mobile.locator('[data-pain-key="buttock:left"]')).to_have_class(re.compile("marked"))
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
    assert submission.pain_locations == [
        {"region": "lower_back", "side": "left"},
        {"region": "buttock", "side": "left"},
    ]
    assert submission.consent_signature.startswith("data:image/png;base64,")

    # The practitioner sees the red flag on Today and on the chart, and accepts the intake
    page.set_viewport_size({"width": 1280, "height": 900})
    login(practitioner)
    today = page.get_by_role("region", name="Intake forms to review")
    expect(today.get_by_text("Red flag: 1")).to_be_visible()
    today.get_by_role("link", name="Okonkwo, Ada").click()
    expect(page.get_by_role("region", name="Red flags")).to_contain_text("History of cancer")
    expect(page.get_by_role("img", name="Signature drawn by the patient")).to_be_visible()
    pain = page.get_by_role("region", name="Pain map")
    expect(
        pain.get_by_role(
            "img", name="Body chart, back view: pain marked at Lower back (left), Buttock (left)"
        )
    ).to_be_visible()
    screenshot(page, "52-intake-review")
    page.get_by_role("checkbox", name=re.compile("I have gone over the consent")).check()
    page.get_by_role("button", name="Accept intake").click()
    expect(page.get_by_role("region", name="Red flags from the intake form")).to_contain_text(
        "History of cancer"
    )
    expect(page.get_by_text("Intake accepted into the record.")).to_be_visible()
    assert Patient.objects.get(pk=patient.pk).anticoagulants
    assert Consent.objects.get(patient=patient).text_version == "ims-2026.1"

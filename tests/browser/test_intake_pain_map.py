"""The intake's pain map in Chromium on a phone: a submit that fails keeps every region
ticked (several checkboxes of one name, as the health questions), and the drawing shows
them again when the patient comes back to the link."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from imsclinic.portal import actions
from imsclinic.portal.actions import intake as intake_actions
from imsclinic.portal.models import IntakeSubmission
from imsclinic.portal.schemas import IntakeLinkIn
from tests.factories import make_actor, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pain_marks_and_health_answers_survive_a_refused_submit(
    page, context, live_server, practitioner, monkeypatch
):
    actor = make_actor(practitioner)
    patient = make_patient(actor, given_name="Ada", email="ada@example.org")
    monkeypatch.setattr(intake_actions, "new_token", lambda: "intake-token-" + "x" * 40)
    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        actions.intake_link_send(actor=actor, patient=patient, data=IntakeLinkIn())
    url = f"{live_server.url}/intake/intake-token-{'x' * 40}/"
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    ticked = ("Back of neck, right", "Upper back, right", "Front of shoulder, right")
    for name in ticked:
        page.get_by_role("checkbox", name=name).check()
    page.get_by_role("checkbox", name=re.compile("I take a blood thinner")).check()
    page.get_by_role("checkbox", name=re.compile("I am very afraid of needles")).check()
    expect(page.locator("path.pain-region.marked")).to_have_count(3)
    # The submit fails (the CSRF cookie is gone, as after a cleared browser session)
    context.clear_cookies()
    page.get_by_role("button", name="Send my health form").click()
    expect(page.get_by_role("heading", name="Your answers were not sent")).to_be_visible()
    assert not IntakeSubmission.objects.exists()

    page.goto(url)
    for name in ticked:
        expect(page.get_by_role("checkbox", name=name)).to_be_checked()
    expect(page.get_by_role("checkbox", name=re.compile("I take a blood thinner"))).to_be_checked()
    expect(
        page.get_by_role("checkbox", name=re.compile("I am very afraid of needles"))
    ).to_be_checked()
    expect(page.locator("path.pain-region.marked")).to_have_count(3)
    expect(page.locator('[data-pain-key="upper_back:right"]')).to_have_class(re.compile("marked"))

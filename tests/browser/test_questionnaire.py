"""A patient fills the ODI on the clinic tablet; the practitioner sees the score and the
responder status on the episode's progress page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.outcomes import actions
from imsclinic.outcomes.schemas import ScheduleIn
from tests.factories import make_actor, make_consented_patient, make_episode
from tests.outcomes.builders import course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tablet_questionnaire_score_shows_on_progress(
    page, live_server, login, screenshot, practitioner
):
    # Given an episode with three sessions and the ODI scheduled at intake
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, family_name="Lindqvist", given_name="Maren")
    episode = make_episode(actor, patient)
    course(actor, patient, episode, [(8, 5), (7, 4), (5, 3)])
    actions.schedule_add(
        actor=actor, episode=episode, data=ScheduleIn(measure_code="odi", timing="intake")
    )
    login(practitioner)

    # When the practitioner opens the progress page from the chart
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    page.get_by_role("link", name="Progress and outcomes").click()
    expect(page.get_by_role("heading", name=re.compile("^Progress: Low back pain"))).to_be_visible()
    due = page.get_by_text("ODI due")
    expect(due).to_be_visible()

    # And hands the tablet over: the patient answers every ODI section
    page.get_by_role("link", name="Fill on tablet").click()
    expect(page.get_by_role("heading", name="Oswestry Disability Index (v2.1a)")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # no way into records
    for number, answer in enumerate([3, 2, 2, 2, 3, 2, 2, 0, 2, 2], start=1):
        page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(
            str(answer), exact=True
        ).check()
    screenshot(page, "20-questionnaire-tablet")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("ODI answers have been recorded")

    # Then, back on the progress page, the score and its interpretation are shown
    page.get_by_role("link", name="Practitioner: back to progress").click()
    scores = page.get_by_role("region", name="Outcome scores")
    expect(scores.get_by_role("cell", name="40", exact=True)).to_be_visible()
    expect(scores.get_by_text(re.compile(r"Moderate disability \(ODI 40\.0"))).to_be_visible()
    expect(page.get_by_text("Nothing due now.")).to_be_visible()
    summary = page.get_by_role("region", name="Summary")
    expect(summary.get_by_text("from session #3")).to_be_visible()  # pain responder
    screenshot(page, "21-episode-progress")

    # And the clinic's outcomes page counts this episode as a pain responder
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Clinic outcomes")).to_be_visible()
    expect(page.get_by_text(re.compile(r"responders 1/1"))).to_be_visible()
    screenshot(page, "22-clinic-outcomes")

"""Discharging an episode in Chromium, then printing its discharge summary, which the
progress page offers only once the episode is discharged."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from imsclinic.core.models import AuditEvent
from imsclinic.patients.models import EpisodeDischarge
from tests.factories import make_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_discharge_an_episode_and_print_the_summary(
    page, live_server, login, practitioner, actor, patient, episode
):
    make_session(actor, patient, episode)
    login(practitioner)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/progress/")
    kinds = page.locator("#r-kind")
    expect(kinds.locator("option")).to_have_text(["Progress report"])  # not yet producible

    page.get_by_role("link", name="Discharge").click()
    page.get_by_role("button", name="Discharge").click()
    expect(page.locator("#err-reason")).to_contain_text("Choose why the episode ends")
    page.get_by_label("Reason").select_option("goals_met")
    page.get_by_label("Outcome").select_option("improved")
    page.get_by_label("Note for the summary").fill("Back to full duties.")
    page.get_by_role("button", name="Discharge").click()

    expect(page.locator("#discharge-facts")).to_have_text("Goals met · improved")
    expect(kinds).to_have_value("discharge")
    with page.expect_response(lambda r: "/report.pdf" in r.url) as response_info:
        page.get_by_role("button", name="Download PDF").click()
    response = response_info.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "kind=discharge" in response.url
    assert f"discharge-episode-{episode.pk}-" in response.headers["content-disposition"]
    assert EpisodeDischarge.objects.get(episode_id=episode.pk).outcome == "improved"
    assert AuditEvent.objects.filter(action="print", patient_id=patient.pk).exists()

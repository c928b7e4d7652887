"""No console errors where a user acts, not only where a page loads: the questionnaire
link box selects its link on focus without an inline handler (the CSP would refuse one)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_actor, make_consented_patient, make_episode

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_link_box_selects_its_link_on_focus_without_a_console_error(
    page, live_server, login, practitioner
):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor)
    episode = make_episode(actor, patient)
    login(practitioner)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/progress/")

    page.get_by_role("button", name="Create link").click()
    box = page.get_by_label("Questionnaire link")
    expect(box).to_have_value(re.compile(r"/q/[A-Za-z0-9_-]+/$"))
    box.focus()

    selected = page.evaluate(
        "window.getSelection().toString() || document.activeElement.value.substring(document.activeElement.selectionStart, document.activeElement.selectionEnd)"
    )
    assert selected == box.input_value()
    assert errors == []

"""A French-speaking patient (preferred language fr on their record) answers questionnaire
links in Chromium on a 390 px phone, logged out: the NPRS in IMS Clinic's own French words,
and the ODI in the clinic's uploaded wording with French instructions around it. A link
whose wording the clinic no longer has shows the at-visit page, in French, with no form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.outcomes import actions
from imsclinic.outcomes.models import MeasureWording, QuestionnaireResponse
from imsclinic.outcomes.schemas import LinkIn
from tests.browser.axe import serious_violations
from tests.factories import make_actor, make_consented_patient, make_episode
from tests.outcomes.builders import give_wording

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_french_patient_answers_in_french_on_a_phone(page, live_server, practitioner, screenshot):
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, given_name="Camille", preferred_language="fr")
    episode = make_episode(actor, patient)
    nprs = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="nprs"))
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/q/{nprs.token}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    expect(
        page.get_by_role("heading", name="Échelle numérique d'intensité de la douleur")
    ).to_be_visible()
    question = page.get_by_role("group", name=re.compile(r"^1\. Quelle est l'intensité"))
    question.get_by_label("6", exact=True).check()
    _no_sideways_scroll(page)
    assert not serious_violations(page)
    screenshot(page, "54-questionnaire-link-fr-390")
    page.get_by_role("button", name="Envoyer les réponses").click()
    expect(page.get_by_role("status")).to_have_text("Vos réponses au NPRS ont été enregistrées.")
    assert QuestionnaireResponse.objects.get().score == 6

    # The ODI: the clinic's wording as uploaded, the page around it in French
    wording = give_wording(actor.clinic, "odi")
    odi = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    page.goto(f"{live_server.url}/q/{odi.token}/")
    expect(page.get_by_text("Répondez à chaque question")).to_be_visible()
    for number in range(1, 11):
        page.get_by_role("group", name=f"{number}. {wording[number - 1]}").get_by_label(
            "2", exact=True
        ).check()
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Envoyer les réponses").click()
    expect(page.get_by_role("status")).to_contain_text("ont été enregistrées")
    assert QuestionnaireResponse.objects.get(measure_code="odi").score == 40.0

    # A link whose wording is gone since: the at-visit page, no form, nothing spent
    third = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    MeasureWording.objects.all().delete()
    page.goto(f"{live_server.url}/q/{third.token}/")
    expect(
        page.get_by_role(
            "heading", name="La clinique vous remettra ce questionnaire lors de votre visite"
        )
    ).to_be_visible()
    assert page.get_by_role("radio").count() == 0
    assert page.get_by_role("button").count() == 0
    _no_sideways_scroll(page)

"""A patient answers a questionnaire link logged out in Chromium, on a phone and on a
desktop: the real browser sends its Origin with the post (Referrer-Policy same-origin), and
answers survive a failed submit in the tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from imsclinic.outcomes import actions
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.outcomes.schemas import LinkIn
from tests.factories import make_actor, make_consented_patient, make_episode
from tests.outcomes.builders import give_wording

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = [3, 2, 2, 2, 3, 2, 2, 0, 2, 2]


def _answer(page) -> None:  # type: ignore[no-untyped-def]
    for number, answer in enumerate(ANSWERS, start=1):
        page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(
            str(answer), exact=True
        ).check()


@pytest.mark.parametrize("width", [390, 1024])
def test_a_questionnaire_link_submits_logged_out(
    page, live_server, practitioner, width, screenshot
):
    actor = make_actor(practitioner)
    episode = make_episode(actor, make_consented_patient(actor))
    give_wording(actor.clinic, "odi")  # the clinic's licensed wording (synthetic here)
    issued = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    page.set_viewport_size({"width": width, "height": 860})

    page.goto(f"{live_server.url}/q/{issued.token}/")
    expect(page.get_by_role("heading", name="Oswestry Disability Index (v2.1a)")).to_be_visible()
    _answer(page)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"the form scrolls sideways at {width} px"
    screenshot(page, f"50-questionnaire-link-{width}")
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("status")).to_contain_text("ODI answers have been recorded")
    response = QuestionnaireResponse.objects.get()
    assert (response.source, response.score, response.episode_id) == ("link", 40.0, episode.pk)


def test_answers_survive_a_refused_submit(page, context, live_server, practitioner):
    actor = make_actor(practitioner)
    episode = make_episode(actor, make_consented_patient(actor))
    give_wording(actor.clinic, "odi")  # the clinic's licensed wording (synthetic here)
    issued = actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    url = f"{live_server.url}/q/{issued.token}/"
    page.set_viewport_size({"width": 390, "height": 860})
    page.goto(url)
    _answer(page)
    # The submit fails (here: the CSRF cookie is gone, as after a cleared browser session)
    context.clear_cookies()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", name="Your answers were not sent")).to_be_visible()
    assert not QuestionnaireResponse.objects.exists()

    # Opening the link again in the tab shows every answer still chosen
    page.goto(url)
    for number, answer in enumerate(ANSWERS, start=1):
        expect(
            page.get_by_role("group", name=re.compile(rf"^{number}\. ")).get_by_label(
                str(answer), exact=True
            )
        ).to_be_checked()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_contain_text("ODI answers have been recorded")
    assert QuestionnaireResponse.objects.get().score == 40.0
    # and the tab's copy is gone once the clinic has the answers
    kept = page.evaluate("Object.keys(window.sessionStorage)")
    assert [key for key in kept if key.startswith("imsclinic.answers:")] == []


def test_the_practitioner_copies_or_emails_a_link_without_inline_script(
    page, live_server, login, practitioner
):
    from imsclinic.notifications.models import OutboxMessage

    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, email="maren@example.org")
    episode = make_episode(actor, patient)
    login(practitioner)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/progress/")
    page.get_by_role("button", name="Create link").click()
    box = page.get_by_label("Questionnaire link")
    expect(box).to_have_value(re.compile(r"/q/[\w-]+/$"))
    assert page.locator("[onfocus], [onclick]").count() == 0  # the CSP forbids inline handlers
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("[data-copy-status]")).to_have_text(re.compile("Copied|press Ctrl\\+C"))
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value")
    # The same form e-mails a link through the outbox
    page.get_by_role("button", name="E-mail the link to the patient").click()
    expect(page.get_by_text("link e-mailed to maren@example.org")).to_be_visible()
    assert OutboxMessage.objects.filter(kind="questionnaire.link").count() == 1

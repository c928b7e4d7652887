"""Every patient-facing page of issue 15 passes axe-core with no serious or critical
violation, at 390 px wide, without sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.schemas import LinkIn
from imsclinic.portal import actions
from imsclinic.portal.actions import intake as intake_actions
from imsclinic.portal.actions import sign_in as sign_in_actions
from imsclinic.portal.learn import TOPICS
from imsclinic.portal.schemas import IntakeLinkIn
from tests.browser.axe import serious_violations
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_signed_session,
    today,
)
from tests.outcomes.builders import give_wording
from tests.portal.builders import patient_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    violations = serious_violations(page)
    assert not violations, f"{url}: {violations}"
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"{url} scrolls sideways at 390 px"


def test_patient_pages_pass_axe_at_390(page, live_server, practitioner, monkeypatch):
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
    give_wording(actor.clinic, "odi")  # the clinic's licensed wording (synthetic here)
    give_wording(actor.clinic, "ndi")
    issued = outcomes.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))
    tokens: list[str] = []

    def token() -> str:
        tokens.append(f"tok{len(tokens)}x" * 6)
        return tokens[-1]

    # Intake and sign-in links each make their token where they are sent.
    monkeypatch.setattr(intake_actions, "new_token", token)
    monkeypatch.setattr(sign_in_actions, "new_token", token)
    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        actions.intake_link_send(
            actor=actor,
            patient=patient,
            data=IntakeLinkIn(measure_code="ndi", episode_id=episode.pk),
        )
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url

    _check(page, f"{base}/q/{issued.token}/")
    _check(page, f"{base}/intake/{tokens[0]}/")
    _check(page, f"{base}/intake/not-a-link/")
    _check(page, f"{base}/learn/")
    for topic in TOPICS:
        _check(page, f"{base}/learn/{topic.slug}/")
    _check(page, f"{base}/portal/{patient.clinic.slug}/")
    _check(page, f"{base}/portal/")  # signed out

    # Signed in: the portal home with the pain chart
    actions.portal_link_request(clinic=patient.clinic, email="ada@example.org", address=None)
    page.goto(f"{base}/portal/sign-in/{tokens[-1]}/")
    assert not serious_violations(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/portal/")
    assert not serious_violations(page)
    patient_invoice(patient, practitioner, paid="95.00")
    _check(page, f"{base}/portal/receipts/")  # the patient's receipts

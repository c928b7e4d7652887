"""Patient questionnaire links: single use, expiring, hashed; tampering reveals nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from imsclinic.core.errors import PermissionDenied, RuleViolation
from imsclinic.core.models import AuditEvent
from imsclinic.outcomes import actions
from imsclinic.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from imsclinic.outcomes.schemas import LinkIn
from tests.outcomes.builders import give_wording

ODI_POST = {f"items.{n}": "2" for n in range(1, 11)}


@pytest.fixture
def odi_wording(actor):
    return give_wording(actor.clinic, "odi")


@pytest.fixture
def issued(actor, episode, odi_wording):
    return actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))


def test_only_a_hash_of_the_token_is_stored(issued):
    link = QuestionnaireLink.objects.get()
    assert link.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in {link.token_hash, str(link.pk)}
    assert len(issued.token) >= 40
    assert link.expires_at - timezone.now() > dt.timedelta(days=6, hours=23)


def test_patient_answers_once_through_the_link(client, issued, patient, episode, odi_wording):
    # Given a link sent to the patient, when they open it (no account)
    page = client.get(f"/q/{issued.token}/")
    # Then the form shows the measure in the clinic's wording but nothing about the patient
    assert page.status_code == 200
    html = page.content.decode()
    assert "Oswestry Disability Index" in html and odi_wording[1] in html
    assert patient.family_name not in html and patient.health_number not in html
    # When they submit answers
    done = client.post(f"/q/{issued.token}/", ODI_POST)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    # Then the scored response lands on the episode and the link is spent
    response = QuestionnaireResponse.objects.get()
    assert (response.episode, response.source, response.score) == (episode, "link", 40.0)
    assert response.entered_by is None
    assert QuestionnaireLink.objects.get().used_at == response.answered_at
    audit = AuditEvent.objects.filter(username=f"questionnaire-link:{issued.link.pk}").get()
    assert audit.action == "create" and f"patient {patient.pk}" in audit.detail


def test_a_used_link_gives_410_and_records_nothing_more(client, issued):
    client.post(f"/q/{issued.token}/", ODI_POST)
    again = client.get(f"/q/{issued.token}/")
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    resubmit = client.post(f"/q/{issued.token}/", ODI_POST)
    assert resubmit.status_code == 410
    assert QuestionnaireResponse.objects.count() == 1


def test_an_expired_link_gives_410(client, issued):
    QuestionnaireLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = client.get(f"/q/{issued.token}/")
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert client.post(f"/q/{issued.token}/", ODI_POST).status_code == 410
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize("change", ["flip_last", "truncate", "garbage"])
def test_a_tampered_token_gives_404_without_data(client, issued, patient, change):
    token = issued.token
    tampered = {
        "flip_last": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "truncate": token[:-3],
        "garbage": "x" * 43,
    }[change]
    page = client.get(f"/q/{tampered}/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "not valid" in html
    assert "Oswestry" not in html and patient.family_name not in html
    assert client.post(f"/q/{tampered}/", ODI_POST).status_code == 404


def test_invalid_answers_keep_the_link_usable(client, issued):
    post = dict(ODI_POST)
    post["items.4"] = "9"
    page = client.post(f"/q/{issued.token}/", post)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="err-items.4"' in html and "Choose a number from 0 to 5." in html
    assert QuestionnaireLink.objects.get().used_at is None
    assert client.post(f"/q/{issued.token}/", ODI_POST).status_code == 200


def test_practitioner_creates_a_link_from_the_progress_page(client, practitioner, episode):
    give_wording(episode.clinic, "ndi")
    client.force_login(practitioner)
    page = client.post(
        f"/episodes/{episode.pk}/questionnaires/link/",
        {"measure_code": "ndi", "expires_in_days": "3"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    link = QuestionnaireLink.objects.get()
    assert link.measure_code == "ndi"
    assert "/q/" in html and "It works once" in html
    token = html.split("/q/")[1].split("/")[0]
    assert hashlib.sha256(token.encode()).hexdigest() == link.token_hash


def test_link_for_a_closed_episode_is_refused(actor, episode, odi_wording):
    from imsclinic.charting.actions import episode_close
    from tests.factories import today

    episode_close(actor=actor, episode=episode, closed_on=today())
    with pytest.raises(RuleViolation):
        actions.link_create(actor=actor, episode=episode, data=LinkIn(measure_code="odi"))


def test_front_desk_cannot_create_links(desk_actor, episode):
    with pytest.raises(PermissionDenied):
        actions.link_create(actor=desk_actor, episode=episode, data=LinkIn(measure_code="odi"))


def test_the_link_page_lets_a_browser_post_with_its_real_origin(issued):
    # Under Referrer-Policy no-referrer Chromium posts with "Origin: null", which Django's
    # CSRF check refuses (the patient's answers were lost); same-origin sends the origin.
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/q/{issued.token}/")
    assert page["Referrer-Policy"] == "same-origin"
    token = page.cookies["csrftoken"].value
    refused = browser.post(
        f"/q/{issued.token}/", {**ODI_POST, "csrfmiddlewaretoken": token}, HTTP_ORIGIN="null"
    )
    assert refused.status_code == 403
    done = browser.post(
        f"/q/{issued.token}/",
        {**ODI_POST, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
    )
    assert done.status_code == 200 and "Thank you" in done.content.decode()

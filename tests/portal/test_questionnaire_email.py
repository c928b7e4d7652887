"""A questionnaire link e-mailed from the app goes through the outbox; its token is only in
the message's secrets (erased once sent) and the link works from the e-mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings

from imsclinic.core.errors import ValidationProblem
from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sender import send_all_due
from imsclinic.outcomes.models import QuestionnaireLink, QuestionnaireResponse
from imsclinic.portal import actions
from imsclinic.portal.schemas import LinkEmailIn
from tests.outcomes.builders import give_wording

pytestmark = pytest.mark.django_db


@pytest.fixture
def reachable(patient):
    patient.email = "maren@example.org"
    patient.save()
    return patient


def test_the_link_is_e_mailed_through_the_outbox_and_works(client, actor, reachable, episode):
    give_wording(actor.clinic, "odi")
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        link = actions.questionnaire_link_email(
            actor=actor, episode=episode, data=LinkEmailIn(measure_code="odi")
        )
    message = OutboxMessage.objects.get(kind="questionnaire.link")
    assert (message.recipient, message.patient_id) == ("maren@example.org", reachable.pk)
    assert message.expires_at == link.expires_at
    assert "[[form_url]]" in message.body and "/q/" not in message.body
    send_all_due()
    (sent,) = mail.outbox
    assert sent.to == ["maren@example.org"]
    assert reachable.family_name not in sent.body and "Oswestry" not in sent.body
    url = next(word for word in sent.body.split() if "/q/" in word)
    assert OutboxMessage.objects.get(pk=message.pk).secrets == {}
    answered = client.post(url, {f"items.{n}": "1" for n in range(1, 11)})
    assert answered.status_code == 200
    assert QuestionnaireResponse.objects.get().link == link


def test_no_email_address_names_the_field_and_creates_no_link(actor, patient, episode):
    with pytest.raises(ValidationProblem) as refused:
        actions.questionnaire_link_email(
            actor=actor, episode=episode, data=LinkEmailIn(measure_code="odi")
        )
    assert refused.value.problems[0].field == "email"
    assert not QuestionnaireLink.objects.exists() and not OutboxMessage.objects.exists()


def test_the_page_button_sends_and_says_so(client, practitioner, reachable, episode):
    give_wording(episode.clinic, "ndi")
    client.force_login(practitioner)
    response = client.post(
        f"/episodes/{episode.pk}/questionnaire-links/email/",
        {"measure_code": "ndi", "expires_in_days": "5"},
        follow=True,
    )
    assert response.status_code == 200
    assert "link e-mailed to maren@example.org" in response.content.decode()
    assert OutboxMessage.objects.get().kind == "questionnaire.link"
    assert QuestionnaireLink.objects.get().measure_code == "ndi"


def test_the_page_reports_a_refusal_beside_the_form(client, practitioner, patient, episode):
    client.force_login(practitioner)
    response = client.post(
        f"/episodes/{episode.pk}/questionnaire-links/email/",
        {"measure_code": "odi"},
        follow=True,
    )
    assert "The link was not sent. The patient has no e-mail address" in response.content.decode()
    assert not OutboxMessage.objects.exists()

"""Intake before the first visit: a single-use link e-mailed through the outbox, the
patient's health history, red-flag screening, baseline questionnaire and signed consent
as a draft, and the practitioner's review that accepts it into the record."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from imsclinic.core.errors import PermissionDenied, RuleViolation, ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sender import send_all_due
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.patients.models import Consent, Patient
from imsclinic.portal import actions
from imsclinic.portal.intake_questions import NOT_ASKED, PATIENT_ASKED
from imsclinic.portal.models import IntakeLink, IntakeSubmission
from imsclinic.portal.schemas import IntakeAcceptIn, IntakeLinkIn
from imsclinic.rules.precautions import FLAG_CODES
from tests.factories import make_actor, make_episode, make_patient, make_user

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"x" * 40).decode()
NO_FLAGS = {
    f"red_flags.{code}": "no"
    for code in ("cauda_equina", "weight_loss", "fever", "cancer", "trauma")
}


@pytest.fixture
def newcomer(actor):
    return make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")


def send(actor, patient, **values):
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        actions.intake_link_send(actor=actor, patient=patient, data=IntakeLinkIn(**values))
    send_all_due()
    body = mail.outbox[-1].body
    return next(word for word in body.split() if "/intake/" in word).removeprefix(
        "http://testserver"
    )


def answers(**extra):
    return {
        **NO_FLAGS,
        "medications": "apixaban 5 mg twice a day",
        "precautions": ["anticoagulants", "pacemaker_implant"],
        "lymph_nodes_removed": ["left_upper"],
        "consent_agree": "yes",
        "consent_name": "Ada Okonkwo",
        "consent_signature": SIGNATURE,
        **extra,
    }


def test_every_precaution_the_rules_use_is_asked_of_the_patient():
    assert set(FLAG_CODES) - NOT_ASKED == PATIENT_ASKED


def test_the_link_is_e_mailed_and_only_its_hash_is_stored(actor, newcomer):
    url = send(actor, newcomer)
    token = url.split("/")[2]
    link = IntakeLink.objects.get()
    assert link.token_hash != token and len(token) >= 40
    message = OutboxMessage.objects.get(kind="intake.link")
    assert message.recipient == "ada@example.org" and message.secrets == {}
    assert "Okonkwo" not in mail.outbox[0].body
    assert f"http://testserver/portal/{newcomer.clinic.slug}/" in mail.outbox[0].body


def test_no_email_is_a_field_error(actor, patient):
    with pytest.raises(ValidationProblem) as refused:
        actions.intake_link_send(actor=actor, patient=patient, data=IntakeLinkIn())
    assert refused.value.problems[0].field == "email"
    assert not IntakeLink.objects.exists()


def test_the_patient_sends_the_form_and_it_lands_as_a_draft(client, actor, newcomer):
    url = send(actor, newcomer)
    page = client.get(url)
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    html = page.content.decode()
    assert "Okonkwo" not in html and "pneumothorax" in html  # the consent's material risks
    done = client.post(url, answers(**{"red_flags.cancer": "yes", "red_flag_notes": "2019"}))
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    submission = IntakeSubmission.objects.get()
    assert submission.status == "draft" and submission.red_flags == ["cancer"]
    assert submission.precautions == ["anticoagulants", "pacemaker_implant"]
    assert submission.consent_version == "ims-2026.1" and submission.consent_name == "Ada Okonkwo"
    assert submission.consent_signature == SIGNATURE
    assert IntakeLink.objects.get().used_at == submission.submitted_at
    # Nothing reached the record yet: the practitioner reviews first
    assert not Patient.objects.get(pk=newcomer.pk).anticoagulants
    assert AuditEvent.objects.filter(username=f"intake-link:{submission.link_id}").exists()


def test_a_refused_form_keeps_every_answer_and_names_each_field(client, actor, newcomer):
    url = send(actor, newcomer)
    posted = answers(consent_signature="", consent_name="")
    del posted["red_flags.trauma"]
    page = client.post(url, posted)
    assert page.status_code == 422
    html = page.content.decode()
    assert 'id="err-red_flags.trauma"' in html
    assert 'id="err-consent_signature"' in html and 'id="err-consent_name"' in html
    assert "apixaban 5 mg twice a day" in html
    assert 'value="anticoagulants" checked' in html
    assert not IntakeSubmission.objects.exists()
    assert client.get(url).status_code == 200  # the link is not spent


@pytest.mark.parametrize("case", ["tampered", "used", "expired"])
def test_tampered_used_and_expired_links_show_nothing(client, actor, newcomer, case):
    url = send(actor, newcomer)
    if case == "tampered":
        url = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    elif case == "used":
        client.post(url, answers())
    else:
        IntakeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    for response in (client.get(url), client.post(url, answers())):
        assert response.status_code == (404 if case == "tampered" else 410)
        html = response.content.decode()
        assert "Okonkwo" not in html and "Ada" not in html and "<form" not in html
    assert IntakeSubmission.objects.count() == (1 if case == "used" else 0)


def test_accepting_sets_precautions_records_baseline_and_confirms_consent(client, actor, newcomer):
    episode = make_episode(actor, newcomer)
    url = send(actor, newcomer, measure_code="nprs", episode_id=episode.pk)
    client.post(url, answers(**{"baseline.items.1": "7"}))
    submission = IntakeSubmission.objects.get()
    assert submission.baseline_score == 7
    accepted = actions.intake_accept(
        actor=actor,
        submission=submission,
        data=IntakeAcceptIn(episode_id=episode.pk, consent_confirmed=True),
    )
    patient = Patient.objects.get(pk=newcomer.pk)
    assert patient.anticoagulants and patient.pacemaker_implant and not patient.pregnancy
    assert patient.lymph_nodes_removed == ["left_upper"]
    assert "apixaban" in patient.medications
    response = QuestionnaireResponse.objects.get()
    assert (response.measure_code, response.score, response.episode) == ("nprs", 7, episode)
    consent = Consent.objects.get(patient=patient)
    assert consent.text_version == "ims-2026.1"
    assert consent.consented_on == timezone.localdate(submission.consent_signed_at)
    assert accepted.consent == consent and accepted.status == "accepted"
    with pytest.raises(RuleViolation):
        actions.intake_accept(actor=actor, submission=accepted, data=IntakeAcceptIn())


def test_a_baseline_needs_an_episode_to_land_on(client, actor, newcomer):
    url = send(actor, newcomer, measure_code="nprs")
    client.post(url, answers(**{"baseline.items.1": "4"}))
    with pytest.raises(ValidationProblem) as refused:
        actions.intake_accept(
            actor=actor, submission=IntakeSubmission.objects.get(), data=IntakeAcceptIn()
        )
    assert refused.value.problems[0].field == "episode_id"
    assert IntakeSubmission.objects.get().status == "draft"


def test_red_flags_show_on_the_chart_and_today(client, actor, practitioner, newcomer):
    url = send(actor, newcomer)
    client.post(url, answers(**{"red_flags.cauda_equina": "yes"}))
    client.force_login(practitioner)
    chart = client.get(f"/patients/{newcomer.pk}/").content.decode()
    assert "Red flags from the intake form" in chart
    assert "Possible cauda equina symptoms" in chart
    today = client.get("/").content.decode()
    assert "Intake forms to review" in today and "Red flag: 1" in today
    review = client.get(f"/patients/{newcomer.pk}/intake/")
    assert review.status_code == 200 and "Possible cauda equina symptoms" in review.content.decode()
    accepted = client.post(f"/patients/{newcomer.pk}/intake/accept/", {"consent_confirmed": "yes"})
    assert accepted.status_code == 302
    assert IntakeSubmission.objects.get().status == "accepted"
    # Accepted, the red flags stay on the chart (they are the patient's history)
    assert (
        "Possible cauda equina symptoms" in client.get(f"/patients/{newcomer.pk}/").content.decode()
    )
    assert "Intake forms to review" not in client.get("/").content.decode()


def test_front_desk_and_other_clinics_cannot_review(client, actor, newcomer, other_clinic):
    url = send(actor, newcomer)
    client.post(url, answers())
    desk = make_user(actor.clinic, "desk.lee", role="front_desk")
    client.force_login(desk)
    assert client.get(f"/patients/{newcomer.pk}/intake/").status_code == 403
    stranger = make_user(other_clinic, "pt.elsewhere")
    client.force_login(stranger)
    assert client.get(f"/patients/{newcomer.pk}/intake/").status_code == 404
    with pytest.raises(PermissionDenied):
        actions.intake_accept(
            actor=make_actor(desk), submission=IntakeSubmission.objects.get(), data=IntakeAcceptIn()
        )


def test_the_demo_clinic_has_an_intake_with_a_red_flag_waiting_on_today(client):
    from imsclinic.accounts.models import User
    from imsclinic.demo.loader import load_demo

    load_demo()
    submission = IntakeSubmission.objects.get()
    assert submission.status == "draft" and submission.red_flags == ["trauma"]
    assert submission.baseline_score is not None
    client.force_login(User.objects.get(username="pt.morgan"))
    today = client.get("/").content.decode()
    assert "Intake forms to review" in today and "Kowalczyk, Nadia" in today

"""Intake e-mailed with the booking: a new patient's first appointment (booked by the front
desk, as a course, or an online request the front desk confirms) queues the intake form in
the outbox in the booking's transaction; never twice while a link still works, never to a
patient already seen or who already sent one, never without an e-mail address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from imsclinic.core.models import AuditEvent
from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sender import send_all_due
from imsclinic.patients import actions as patients
from imsclinic.patients.schemas import ConsentIn
from imsclinic.portal.models import IntakeLink, IntakeSubmission
from imsclinic.scheduling import actions as scheduling
from imsclinic.scheduling.models import Appointment
from imsclinic.scheduling.schemas import CourseIn
from tests.factories import make_episode, make_patient, make_session
from tests.scheduling.builders import (
    book,
    local,
    new_patient_request,
    next_weekday,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(actor):
    return make_patient(actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org")


def intakes():
    return OutboxMessage.objects.filter(kind="intake.link")


def test_the_first_booking_of_a_new_patient_e_mails_the_intake_form(
    client, desk, newcomer, practitioner, calendar, monday
):
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        appointment = book(desk, newcomer, practitioner, local(monday, "09:00"), calendar.treatment)
    link = IntakeLink.objects.get(patient=newcomer)
    assert link.created_by == desk.user and link.measure_code == "" and link.episode is None
    assert link.expires_at == appointment.starts_at  # good until the visit
    (message,) = intakes()
    assert message.recipient == "ada@example.org" and message.ref_id == link.pk
    assert AuditEvent.objects.filter(
        object_type="IntakeLink",
        object_id=link.pk,
        detail=f"e-mailed with the booking of appointment {appointment.pk}",
    ).exists()
    send_all_due()
    sent = next(m for m in mail.outbox if "/intake/" in m.body)
    url = re.search(r"http://testserver(/intake/[\w-]+/)", sent.body).group(1)
    page = client.get(url)
    assert page.status_code == 200 and "Your health form" in page.content.decode()


def test_booking_again_or_a_course_sends_one_link_while_it_works(
    desk, newcomer, practitioner, calendar, monday
):
    scheduling.course_book(
        actor=desk,
        patient=newcomer,
        data=CourseIn(
            practitioner_id=practitioner.pk,
            appointment_type_id=calendar.treatment.pk,
            first_start=local(monday, "09:00"),
            count=3,
        ),
    )
    book(desk, newcomer, practitioner, local(monday, "14:00"), calendar.treatment)
    assert intakes().count() == 1 and IntakeLink.objects.count() == 1
    # Once the link has run out unused, the next booking sends a fresh one
    IntakeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    book(desk, newcomer, practitioner, local(monday, "16:00"), calendar.treatment)
    assert intakes().count() == 2


def test_a_visit_tomorrow_still_gives_two_days_and_a_far_one_at_most_thirty(
    desk, newcomer, practitioner, calendar
):
    far = next_weekday(timezone.localdate() + dt.timedelta(days=60), 0)
    book(desk, newcomer, practitioner, local(far, "09:00"), calendar.treatment)
    link = IntakeLink.objects.get()
    assert abs(link.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    soon = timezone.now() + dt.timedelta(hours=3)
    IntakeLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    book(
        desk,
        newcomer,
        practitioner,
        soon.replace(second=0, microsecond=0),
        calendar.treatment,
        allow_outside_hours=True,
    )
    latest = IntakeLink.objects.order_by("-id").first()
    assert latest.expires_at - timezone.now() > dt.timedelta(days=1, hours=23)


@pytest.mark.parametrize("case", ["no_email", "sent_one", "seen_before", "charted"])
def test_no_intake_for_a_patient_without_email_or_not_new(
    actor, desk, newcomer, practitioner, calendar, monday, case
):
    if case == "no_email":
        newcomer.email = ""
        newcomer.save()
    elif case == "sent_one":
        link = IntakeLink.objects.create(
            clinic=newcomer.clinic,
            patient=newcomer,
            token_hash="0" * 64,
            created_by=actor.user,
            expires_at=timezone.now() - dt.timedelta(days=1),
            used_at=timezone.now() - dt.timedelta(days=2),
        )
        IntakeSubmission.objects.create(
            clinic=newcomer.clinic,
            patient=newcomer,
            link=link,
            submitted_at=link.used_at,
            consent_version="ims-2026.1",
            consent_text="text",
            consent_name="Ada Okonkwo",
            consent_signed_at=link.used_at,
        )
    elif case == "seen_before":
        earlier = book(
            desk,
            newcomer,
            practitioner,
            (timezone.now() - dt.timedelta(days=3)).replace(second=0, microsecond=0),
            calendar.treatment,
            allow_outside_hours=True,
        )
        IntakeLink.objects.all().delete()
        OutboxMessage.objects.filter(kind="intake.link").delete()
        Appointment.objects.filter(pk=earlier.pk).update(status=Appointment.Status.COMPLETED)
    else:
        patients.consent_record(
            actor=actor,
            patient=newcomer,
            data=ConsentIn(consented_on=timezone.localdate(), text_version="ims-2026.1"),
        )
        make_session(actor, newcomer, make_episode(actor, newcomer))
    book(desk, newcomer, practitioner, local(monday, "09:00"), calendar.treatment)
    assert not intakes().exists()
    assert IntakeLink.objects.filter(used_at__isnull=True).count() == 0


def test_an_online_request_confirmed_as_a_new_patient_gets_the_intake(
    clinic, desk, practitioner, calendar, monday
):
    outcome = new_patient_request(clinic, practitioner, calendar, local(monday, "10:00"))
    assert not intakes().exists()  # nobody known yet: the front desk confirms who it is
    accepted = scheduling.request_accept(
        actor=desk, appointment=outcome.appointment, patient_id=None
    )
    (message,) = intakes()
    assert message.recipient == "tamsin@example.org"
    assert IntakeLink.objects.get().patient == accepted.patient


def test_a_refused_booking_leaves_no_intake_behind(desk, newcomer, practitioner, calendar, monday):
    book(desk, newcomer, practitioner, local(monday, "09:00"), calendar.treatment)
    IntakeLink.objects.all().delete()
    OutboxMessage.objects.filter(kind="intake.link").delete()
    with pytest.raises(scheduling.BookingConflict):
        book(desk, newcomer, practitioner, local(monday, "09:00"), calendar.treatment)
    assert not intakes().exists() and not IntakeLink.objects.exists()

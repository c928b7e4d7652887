"""Calendar feeds, the waitlist, and the link between an appointment and its charted session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from imsclinic.charting import actions as charting
from imsclinic.core.errors import PermissionDenied, RuleViolation
from imsclinic.core.models import AuditEvent
from imsclinic.notifications.sender import send_all_due
from imsclinic.scheduling import actions, ical
from imsclinic.scheduling.models import Appointment, WaitlistEntry, WaitlistOffer
from imsclinic.scheduling.schemas import CancelIn, SettingsIn, WaitlistIn
from imsclinic.scheduling.selectors import today
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_practitioner,
    make_user,
    session_data,
)
from tests.scheduling.builders import book, local, minutes_ago_today

pytestmark = pytest.mark.django_db


# Calendar feed ---------------------------------------------------------------------------


def _feed_token(actor, practitioner) -> str:
    url = actions.feed_issue(actor=actor, practitioner=practitioner)
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_the_feed_shows_types_not_names_unless_the_clinic_allows(
    actor, desk, patient, practitioner, calendar, monday
):
    book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    token = _feed_token(actor, practitioner)
    response = Client().get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    (event,) = ical.parse_events(text)
    assert event["SUMMARY"] == "IMS treatment"
    assert patient.family_name not in text
    assert event["DTSTART"] == local(monday, "09:00").strftime("%Y%m%dT%H%M%SZ")
    assert event["UID"].startswith("appointment-") and "DTSTAMP" in event
    actions.settings_save(
        actor=calendar.admin,
        data=SettingsIn(
            time_zone="America/Edmonton", online_booking_enabled=True, feed_shows_patient_names=True
        ),
    )
    text = Client().get(f"/calendar/feed/{token}.ics").content.decode()
    (event,) = ical.parse_events(text)
    assert event["SUMMARY"] == f"IMS treatment: {patient.family_name}\\, {patient.given_name}"
    # A feed with names is an access to patient data: audited.
    assert AuditEvent.objects.filter(username=f"calendar-feed:{practitioner.pk}").exists()


def test_a_new_feed_link_retires_the_old_and_only_the_owner_or_an_admin_makes_one(
    actor, desk, practitioner, calendar
):
    old = _feed_token(actor, practitioner)
    new = _feed_token(calendar.admin, practitioner)
    assert Client().get(f"/calendar/feed/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/feed/{new}.ics").status_code == 200
    with pytest.raises(PermissionDenied):
        actions.feed_issue(actor=desk, practitioner=practitioner)
    actions.feed_revoke(actor=actor, practitioner=practitioner)
    assert Client().get(f"/calendar/feed/{new}.ics").status_code == 404


# Waitlist -------------------------------------------------------------------------------


def test_a_cancellation_offers_the_time_and_the_first_to_accept_gets_it(
    actor, desk, practitioner, calendar, monday
):
    leaving = make_consented_patient(actor, email="leaving@example.org")
    eager = make_consented_patient(actor, email="eager@example.org")
    keen = make_consented_patient(actor, email="keen@example.org")
    later = book(
        desk,
        eager,
        practitioner,
        local(monday + dt.timedelta(days=10), "15:00"),
        calendar.treatment,
    )
    for person, current in ((eager, later), (keen, None)):
        actions.waitlist_add(
            actor=desk,
            data=WaitlistIn(
                patient_id=person.pk,
                appointment_type_id=calendar.treatment.pk,
                earliest=monday - dt.timedelta(days=1),
                latest=monday + dt.timedelta(days=3),
                current_appointment_id=current.pk if current else None,
            ),
        )
    freed = book(desk, leaving, practitioner, local(monday, "09:00"), calendar.treatment)
    mail.outbox.clear()
    actions.appointment_cancel(actor=desk, appointment=freed, data=CancelIn(reason="illness"))
    assert WaitlistOffer.objects.filter(status="open").count() == 2
    send_all_due()
    offers = {m.to[0]: m for m in mail.outbox if "earlier time" in m.subject}
    assert set(offers) == {"eager@example.org", "keen@example.org"}
    eager_token = re.search(r"/w/([\w-]+)/", offers["eager@example.org"].body).group(1)
    keen_token = re.search(r"/w/([\w-]+)/", offers["keen@example.org"].body).group(1)
    outcome = actions.offer_accept(token=eager_token)
    # Eager's later appointment moved to the freed time (not a second booking).
    assert outcome.appointment.pk == later.pk
    assert outcome.appointment.starts_at == local(monday, "09:00")
    assert WaitlistEntry.objects.get(patient=eager).status == "booked"
    with pytest.raises(actions.OfferGone) as gone:
        actions.offer_accept(token=keen_token)
    assert gone.value.reason == "taken"


def test_an_offer_loses_gracefully_when_staff_booked_the_time_first(
    actor, desk, practitioner, calendar, monday
):
    leaving = make_consented_patient(actor, email="l2@example.org")
    waiting = make_consented_patient(actor, email="w2@example.org")
    actions.waitlist_add(
        actor=desk,
        data=WaitlistIn(
            patient_id=waiting.pk,
            appointment_type_id=calendar.treatment.pk,
            earliest=monday,
            latest=monday,
        ),
    )
    freed = book(desk, leaving, practitioner, local(monday, "09:00"), calendar.treatment)
    actions.appointment_cancel(actor=desk, appointment=freed, data=CancelIn(reason="illness"))
    send_all_due()
    token = re.search(
        r"/w/([\w-]+)/", next(m for m in mail.outbox if "earlier" in m.subject).body
    ).group(1)
    book(
        desk,
        make_consented_patient(actor),
        practitioner,
        local(monday, "09:00"),
        calendar.treatment,
    )
    outcome = actions.offer_accept(token=token)
    assert outcome.appointment is None and outcome.reason == "taken"
    assert WaitlistOffer.objects.get().status == "taken"
    assert WaitlistEntry.objects.get().status == "active"  # still waiting


def test_waitlist_needs_an_email_and_a_sensible_window(actor, desk, calendar, monday):
    silent = make_consented_patient(actor)
    with pytest.raises(RuleViolation, match="e-mail"):
        actions.waitlist_add(
            actor=desk,
            data=WaitlistIn(
                patient_id=silent.pk,
                appointment_type_id=calendar.treatment.pk,
                earliest=monday,
                latest=monday,
            ),
        )


# Charting from an appointment -------------------------------------------------------------


def test_charting_from_the_appointment_links_them_and_signing_completes_it(
    actor, desk, patient, episode, practitioner, calendar
):
    start = minutes_ago_today(20)
    appointment = book(
        desk, patient, practitioner, start, calendar.treatment, allow_outside_hours=True
    )
    board = today(actor=desk, day=timezone.localdate())
    assert [r.label for r in board if r.appointment.pk == appointment.pk] == ["Due"]
    session = charting.session_record(
        actor=actor,
        patient=patient,
        data=session_data(
            episode,
            appointment_id=appointment.pk,
            session_date=start.astimezone(timezone.get_current_timezone()).date(),
        ),
    )
    appointment.refresh_from_db()
    assert appointment.session_id == session.pk and appointment.status == "arrived"
    assert [
        r.label
        for r in today(actor=desk, day=timezone.localdate())
        if r.appointment.pk == appointment.pk
    ] == ["Arrived"]
    charting.session_sign(actor=actor, session=session)
    appointment.refresh_from_db()
    assert appointment.status == "completed" and appointment.completed_at is not None
    row = next(
        r for r in today(actor=desk, day=timezone.localdate()) if r.appointment.pk == appointment.pk
    )
    assert row.label == "Done" and row.session_signed
    with pytest.raises(RuleViolation, match="only a booked or arrived"):
        actions.appointment_cancel(
            actor=desk, appointment=appointment, data=CancelIn(reason="illness")
        )


def test_charting_refuses_someone_elses_appointment_or_the_wrong_day(
    actor, desk, patient, episode, practitioner, calendar, monday
):
    other = make_consented_patient(actor)
    theirs = book(desk, other, practitioner, local(monday, "09:00"), calendar.treatment)
    with pytest.raises(RuleViolation) as caught:
        charting.session_record(
            actor=actor, patient=patient, data=session_data(episode, appointment_id=theirs.pk)
        )
    assert caught.value.field == "appointment_id"
    mine = book(desk, patient, practitioner, local(monday, "10:00"), calendar.treatment)
    with pytest.raises(RuleViolation) as caught:
        charting.session_record(
            actor=actor, patient=patient, data=session_data(episode, appointment_id=mine.pk)
        )
    assert caught.value.code == "date_mismatch" and monday.isoformat() in caught.value.message
    # Nothing was written by the refused sessions.
    from imsclinic.charting.models import TreatmentSession

    assert not TreatmentSession.objects.filter(patient=patient).exists()
    assert Appointment.objects.get(pk=mine.pk).session_id is None


def test_another_clinics_appointment_cannot_be_charted(actor, patient, episode, other_clinic):
    stranger = make_practitioner(other_clinic, "far.pt")
    from tests.scheduling.builders import set_up_calendar

    far = set_up_calendar(other_clinic, [stranger])
    theirs = book(
        make_actor(make_user(other_clinic, "far.desk", "front_desk")),
        make_consented_patient(make_actor(stranger)),
        stranger,
        local(timezone.localdate() + dt.timedelta(days=3), "09:00"),
        far.treatment,
    )
    with pytest.raises(RuleViolation):
        charting.session_record(
            actor=actor, patient=patient, data=session_data(episode, appointment_id=theirs.pk)
        )

"""Online self-booking: matching rules, new patients only into assessments, the booking
window, rate limits, and pages that never reveal whether someone is a patient."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from imsclinic.core.errors import ValidationProblem
from imsclinic.core.models import AuditEvent
from imsclinic.notifications.sender import send_all_due
from imsclinic.scheduling import actions
from imsclinic.scheduling.models import Appointment, AppointmentLink, BookingRequest
from imsclinic.scheduling.schemas import OnlineBookingIn
from tests.factories import make_consented_patient
from tests.scheduling.builders import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(actor):
    return make_consented_patient(
        actor,
        family_name="Lindqvist",
        given_name="Maren",
        date_of_birth=dt.date(1978, 1, 3),
        email="maren.l@example.org",
        phone="(403) 555-0100",
    )


def request_for(practitioner, atype, start, **overrides):
    values = {
        "appointment_type_id": atype.pk,
        "practitioner_id": practitioner.pk,
        "starts_at": start,
        "new_patient": False,
        "family_name": "Lindqvist",
        "given_name": "Maren",
        "date_of_birth": dt.date(1978, 1, 3),
        "email": "maren.l@example.org",
        "phone": "403-555-0100",
    }
    values.update(overrides)
    return OnlineBookingIn(**values)


def test_names_birth_date_and_email_match_the_record(clinic, practitioner, calendar, known, monday):
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(
            practitioner, calendar.treatment, local(monday, "09:00"), family_name=" lindqvist "
        ),
        address="203.0.113.5",
    )
    assert outcome.matched and outcome.appointment.patient == known
    assert outcome.appointment.source == "online"
    assert BookingRequest.objects.get().status == "matched"
    event = AuditEvent.objects.filter(username="online-booking").get()
    assert f"matched patient {known.pk}" in event.detail and event.address == "203.0.113.5"


def test_a_phone_in_another_format_matches_too(clinic, practitioner, calendar, known, monday):
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(
            practitioner,
            calendar.treatment,
            local(monday, "09:00"),
            email="new@example.org",
            phone="+1 403 555 0100",
        ),
        address=None,
    )
    assert outcome.matched


@pytest.mark.parametrize(
    "change",
    [
        {"date_of_birth": dt.date(1978, 1, 4)},
        {"given_name": "Marin"},
        {"email": "someone@example.org", "phone": "403-555-0199"},
    ],
)
def test_anything_less_is_held_for_the_front_desk(
    clinic, practitioner, calendar, known, monday, change
):
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(practitioner, calendar.treatment, local(monday, "09:00"), **change),
        address=None,
    )
    assert not outcome.matched
    appointment = outcome.appointment
    assert appointment.patient is None and appointment.status == "booked"  # the time is held
    assert BookingRequest.objects.get().status == "pending"


def test_new_patients_book_assessments_only(clinic, practitioner, calendar, monday):
    with pytest.raises(ValidationProblem) as caught:
        actions.online_book(
            clinic=clinic,
            data=request_for(
                practitioner, calendar.treatment, local(monday, "09:00"), new_patient=True
            ),
            address=None,
        )
    assert caught.value.problems[0].field == "appointment_type_id"
    assert "assessment" in caught.value.problems[0].message
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(
            practitioner, calendar.assessment, local(monday, "09:00"), new_patient=True
        ),
        address=None,
    )
    assert outcome.appointment.appointment_type == calendar.assessment


def test_minimum_notice_and_days_ahead_are_kept(clinic, practitioner, calendar, monday):
    calendar_settings = {"online_min_notice_hours": 48, "online_max_days_ahead": 10}
    from imsclinic.scheduling.schemas import SettingsIn

    actions.settings_save(
        actor=calendar.admin,
        data=SettingsIn(
            time_zone="America/Edmonton", online_booking_enabled=True, **calendar_settings
        ),
    )
    soon = (timezone.now() + dt.timedelta(hours=24)).astimezone(dt.UTC)
    soon = soon.replace(minute=0, second=0, microsecond=0)
    far = local(timezone.localdate() + dt.timedelta(days=20), "09:00")
    for start in (soon, far):
        with pytest.raises(ValidationProblem) as caught:
            actions.online_book(
                clinic=clinic,
                data=request_for(practitioner, calendar.treatment, start),
                address=None,
            )
        assert caught.value.problems[0].field == "starts_at"


def test_only_free_times_on_the_grid_of_bookable_practitioners(
    clinic, practitioner, colleague, calendar, known, monday
):
    for start in (local(monday, "09:07"), local(monday, "20:00")):
        with pytest.raises(ValidationProblem):
            actions.online_book(
                clinic=clinic,
                data=request_for(practitioner, calendar.treatment, start),
                address=None,
            )
    actions.online_book(
        clinic=clinic,
        data=request_for(practitioner, calendar.treatment, local(monday, "09:00")),
        address=None,
    )
    with pytest.raises(ValidationProblem, match="no longer available"):
        actions.online_book(
            clinic=clinic,
            data=request_for(
                practitioner, calendar.treatment, local(monday, "09:00"), given_name="Other"
            ),
            address=None,
        )


def test_the_front_desk_confirms_a_held_request_as_a_new_patient(
    clinic, practitioner, calendar, desk, monday
):
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(
            practitioner,
            calendar.assessment,
            local(monday, "10:00"),
            new_patient=True,
            family_name="Okonkwo-Reid",
            given_name="Tamsin",
        ),
        address=None,
    )
    accepted = actions.request_accept(actor=desk, appointment=outcome.appointment, patient_id=None)
    assert (
        accepted.patient.family_name == "Okonkwo-Reid"
        and accepted.patient.email == "maren.l@example.org"
    )
    assert BookingRequest.objects.get().status == "accepted"


def test_declining_frees_the_time_and_tells_the_patient_why(
    clinic, practitioner, calendar, desk, monday
):
    outcome = actions.online_book(
        clinic=clinic,
        data=request_for(
            practitioner, calendar.treatment, local(monday, "10:00"), family_name="Nobody"
        ),
        address=None,
    )
    actions.request_decline(
        actor=desk, appointment=outcome.appointment, note="New patients start with an assessment"
    )
    outcome.appointment.refresh_from_db()
    assert (
        outcome.appointment.status == "cancelled"
        and outcome.appointment.cancel_reason == "declined"
    )
    send_all_due()
    declined = [m for m in mail.outbox if "cancelled" in m.subject]
    assert declined and "New patients start with an assessment" in declined[0].body


def public_client() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")


def _post_booking(client: Client, slug: str, practitioner, atype, start, new: str = "0", **fields):
    url = f"/book/{slug}/details/?type={atype.pk}&practitioner={practitioner.pk}&start={start:%Y-%m-%dT%H:%M:%SZ}&new={new}"
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    body = {
        "csrfmiddlewaretoken": token,
        "type": atype.pk,
        "practitioner": practitioner.pk,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "new": new,
        "family_name": "Lindqvist",
        "given_name": "Maren",
        "date_of_birth": "1978-01-03",
        "email": "maren.l@example.org",
        "phone": "403-555-0100",
    }
    body.update(fields)
    # A real browser sends its Origin with a form post (Referrer-Policy same-origin).
    return client.post(url, body, HTTP_ORIGIN="http://127.0.0.1")


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_the_public_pages_answer_the_same_whether_or_not_the_person_is_a_patient(
    clinic, practitioner, calendar, known, monday
):
    matched = _post_booking(
        public_client(), clinic.slug, practitioner, calendar.treatment, local(monday, "09:00")
    )
    stranger = _post_booking(
        public_client(),
        clinic.slug,
        practitioner,
        calendar.treatment,
        local(monday, "10:00"),
        family_name="Stranger",
    )
    assert matched.status_code == stranger.status_code == 200
    strip = lambda r: re.sub(r"\d{1,2}:\d\d|Lindqvist|Stranger", "", r.content.decode())  # noqa: E731
    assert strip(matched) == strip(stranger)
    assert matched["Referrer-Policy"] == "same-origin"
    assert Appointment.objects.filter(source="online").count() == 2
    # The free-times page shows times and practitioners, and no patient's name.
    listing = public_client().get(f"/book/{clinic.slug}/?type={calendar.treatment.pk}&new=0")
    html = listing.content.decode()
    assert "Lindqvist" not in html and "Stranger" not in html
    assert practitioner.display_name in html
    assert (
        local(monday, "09:00").strftime("%Y-%m-%dT%H:%M:%SZ") not in html
    )  # taken times are not offered


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_the_honeypot_books_nothing(clinic, practitioner, calendar, monday):
    response = _post_booking(
        public_client(),
        clinic.slug,
        practitioner,
        calendar.treatment,
        local(monday, "09:00"),
        website="http://spam.example",
    )
    assert response.status_code == 200
    assert not Appointment.objects.exists()


@override_settings(
    ALLOWED_HOSTS=["127.0.0.1"],
    IMSCLINIC_PUBLIC_RATE_LIMITS={"booking": (3, 100), "link": (3, 100), "view": (100, 100)},
)
def test_booking_is_rate_limited_per_address(clinic, practitioner, calendar, monday):
    client = public_client()
    statuses = [
        _post_booking(
            client,
            clinic.slug,
            practitioner,
            calendar.treatment,
            local(monday, f"{9 + i:02d}:00"),
            family_name=f"Bot{i}",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert Appointment.objects.count() == 3


def test_a_clinic_without_online_booking_has_no_public_page(other_clinic):
    assert Client().get(f"/book/{other_clinic.slug}/").status_code == 404
    assert Client().get("/book/no-such-clinic/").status_code == 404


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_confirm_and_cancel_links_are_single_use_and_a_get_changes_nothing(
    clinic, practitioner, calendar, known, monday, desk
):
    from tests.scheduling.builders import book

    appointment = book(desk, known, practitioner, local(monday, "09:00"), calendar.treatment)
    send_all_due()
    body = mail.outbox[0].body
    confirm, cancel = re.findall(r"http://\S+/a/([\w-]+)/", body)
    assert (
        AppointmentLink.objects.filter(token_hash__in=[confirm, cancel]).count() == 0
    )  # hashes only
    client = public_client()
    page = client.get(f"/a/{confirm}/")
    assert page.status_code == 200 and "Yes, I will come" in page.content.decode()
    assert "Lindqvist" not in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.confirmed_at is None  # a mail scanner opening the link does nothing
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = client.post(
        f"/a/{confirm}/", {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="http://127.0.0.1"
    )
    assert done.status_code == 200 and "confirmed" in done.content.decode()
    appointment.refresh_from_db()
    assert appointment.confirmed_at is not None
    assert client.get(f"/a/{confirm}/").status_code == 410  # used
    assert client.get(f"/a/{confirm}x/").status_code == 404  # altered
    page = client.get(f"/a/{cancel}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    gone = client.post(
        f"/a/{cancel}/",
        {"csrfmiddlewaretoken": token, "note": "Away"},
        HTTP_ORIGIN="http://127.0.0.1",
    )
    assert gone.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancel_reason == "patient_online"
    assert client.get(f"/a/{cancel}/").status_code == 410


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_a_cross_site_post_to_a_link_is_refused(
    clinic, practitioner, calendar, known, monday, desk
):
    from tests.scheduling.builders import book

    book(desk, known, practitioner, local(monday, "09:00"), calendar.treatment)
    send_all_due()
    cancel = re.findall(r"http://\S+/a/([\w-]+)/", mail.outbox[0].body)[1]
    client = public_client()
    page = client.get(f"/a/{cancel}/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    forged = client.post(
        f"/a/{cancel}/", {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="https://evil.example"
    )
    assert forged.status_code == 403
    assert Appointment.objects.get().status == "booked"


def test_the_rate_limit_log_keeps_only_what_counts(clinic, calendar):
    from imsclinic.scheduling.models import PublicRequestLog

    old = PublicRequestLog.objects.create(clinic=clinic, address="198.51.100.7", kind="booking")
    PublicRequestLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=2))
    actions.throttle(clinic=clinic, address="198.51.100.7", kind="booking")
    assert list(PublicRequestLog.objects.values_list("address", flat=True)) == ["198.51.100.7"]
    assert not PublicRequestLog.objects.filter(pk=old.pk).exists()

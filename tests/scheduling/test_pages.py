"""The calendar pages as staff use them: booking a single appointment and a course through
the forms, the appointment page's buttons, constant query counts, and the pages' safety
(CSRF, no inline script, escaped names)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from imsclinic.scheduling import selectors
from imsclinic.scheduling.models import Appointment
from tests.factories import make_consented_patient
from tests.scheduling.builders import book, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_client(desk):
    client = Client()
    client.force_login(desk.user)
    return client


def test_booking_one_appointment_through_the_form(
    desk_client, patient, practitioner, calendar, monday
):
    form = desk_client.get(
        f"/calendar/book/?practitioner={practitioner.pk}&start={local(monday, '09:00'):%Y-%m-%dT%H:%M:%SZ}&patient={patient.pk}"
    )
    html = form.content.decode()
    assert form.status_code == 200 and patient.display_name in html
    assert 'value="09:00"' in html and f'value="{monday}"' in html
    response = desk_client.post(
        "/calendar/book/",
        {
            "patient_id": patient.pk,
            "practitioner_id": practitioner.pk,
            "appointment_type_id": calendar.treatment.pk,
            "date": str(monday),
            "time": "09:00",
            "count": "1",
            "every_weeks": "1",
            "notify_shown": "1",
        },
    )
    appointment = Appointment.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/calendar/appointments/{appointment.pk}/"
    )
    assert appointment.starts_at == local(monday, "09:00")


def test_the_form_shows_the_conflict_and_keeps_what_was_typed(
    desk_client, patient, other_patient, practitioner, calendar, desk, monday
):
    blocker = book(desk, other_patient, practitioner, local(monday, "09:00"), calendar.treatment)
    response = desk_client.post(
        "/calendar/book/",
        {
            "patient_id": patient.pk,
            "practitioner_id": practitioner.pk,
            "appointment_type_id": calendar.treatment.pk,
            "date": str(monday),
            "time": "09:10",
            "count": "1",
            "note": "Prefers the window room",
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert f"appointment {blocker.pk}" in html and "Prefers the window room" in html
    missing = desk_client.post(
        "/calendar/book/", {"practitioner_id": practitioner.pk, "date": "", "time": "9"}
    )
    assert missing.status_code == 422
    assert (
        "Enter the date" in missing.content.decode()
        and "Enter the time as HH:MM" in missing.content.decode()
    )


def test_a_course_is_checked_first_and_booked_all_at_once_or_not_at_all(
    desk_client, patient, other_patient, practitioner, calendar, desk, monday
):
    third = monday + dt.timedelta(weeks=2)
    book(desk, other_patient, practitioner, local(third, "10:00"), calendar.treatment)
    fields = {
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
        "appointment_type_id": calendar.treatment.pk,
        "date": str(monday),
        "time": "10:00",
        "count": "8",
        "every_weeks": "1",
        "notify_shown": "1",
    }
    preview = desk_client.post("/calendar/book/", fields)
    html = preview.content.decode()
    assert preview.status_code == 200 and "Confirm the course: 8" in html
    assert "1 time is taken" in html
    assert not Appointment.objects.filter(patient=patient).exists()  # nothing until confirmed
    # The dialog's choices: each time as proposed, the clash moved to its first suggestion.
    choices = {}
    for index in range(8):
        values = re.findall(rf'name="occurrence\.{index}" value="([^"]+)"', html)
        choices[f"occurrence.{index}"] = values[0]
    assert choices["occurrence.2"] != local(third, "10:00").strftime("%Y-%m-%dT%H:%M:%SZ")
    cancel_link = re.search(r'href="([^"]+)">Cancel \(book nothing\)', html).group(1)
    assert desk_client.get(cancel_link.replace("&amp;", "&")).status_code == 200
    assert not Appointment.objects.filter(patient=patient).exists()
    confirmed = desk_client.post(
        "/calendar/book/", {**fields, **choices, "course_step": "confirm", "occurrences": "8"}
    )
    assert confirmed.status_code == 302
    assert Appointment.objects.filter(patient=patient).count() == 8


def test_skipping_a_week_books_the_others(desk_client, patient, practitioner, calendar, monday):
    fields = {
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
        "appointment_type_id": calendar.treatment.pk,
        "date": str(monday),
        "time": "10:00",
        "count": "3",
        "every_weeks": "2",
    }
    html = desk_client.post("/calendar/book/", fields).content.decode()
    choices = {
        f"occurrence.{i}": re.findall(rf'name="occurrence\.{i}" value="([^"]+)"', html)[0]
        for i in range(3)
    }
    choices["occurrence.1"] = "skip"
    desk_client.post(
        "/calendar/book/", {**fields, **choices, "course_step": "confirm", "occurrences": "3"}
    )
    booked = list(Appointment.objects.filter(patient=patient).order_by("starts_at"))
    assert [a.starts_at for a in booked] == [
        local(monday, "10:00"),
        local(monday + dt.timedelta(weeks=4), "10:00"),
    ]


def test_calendar_day_and_week_show_the_appointment_and_free_times(
    desk_client, patient, practitioner, calendar, desk, monday
):
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    day = desk_client.get(f"/calendar/?date={monday}").content.decode()
    assert f'href="/calendar/appointments/{appointment.pk}/"' in day
    assert "Book 09:30" in day and "Book 09:00" not in day
    week = desk_client.get(
        f"/calendar/?view=week&date={monday}&p={practitioner.pk}"
    ).content.decode()
    assert f'href="/calendar/appointments/{appointment.pk}/"' in week
    moving = desk_client.get(f"/calendar/?date={monday}&move={appointment.pk}").content.decode()
    assert (
        "Move here 10:00" in moving
        and f"/calendar/appointments/{appointment.pk}/move/?start=" in moving
    )


def test_the_appointment_page_buttons_work(
    desk_client, patient, practitioner, calendar, desk, monday
):
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    page = desk_client.get(f"/calendar/appointments/{appointment.pk}/").content.decode()
    assert "Pick a new time on the calendar" in page and "Cancel appointment" in page
    moved = desk_client.post(
        f"/calendar/appointments/{appointment.pk}/move/",
        {"date": str(monday), "time": "13:00", "practitioner_id": practitioner.pk},
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == local(monday, "13:00")
    cancelled = desk_client.post(
        f"/calendar/appointments/{appointment.pk}/cancel/", {"reason": "illness"}
    )
    assert cancelled.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_the_calendar_reads_a_constant_number_of_queries(
    desk, practitioner, colleague, calendar, actor, monday
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.calendar(actor=desk, days=[monday + dt.timedelta(days=n) for n in range(7)])
        return len(captured)

    book(
        desk,
        make_consented_patient(actor),
        practitioner,
        local(monday, "09:00"),
        calendar.treatment,
    )
    few = count()
    for day in range(5):
        for hour in range(9, 15):
            book(
                desk,
                make_consented_patient(actor),
                colleague,
                local(monday + dt.timedelta(days=day), f"{hour:02d}:00"),
                calendar.treatment,
            )
    assert count() == few == 5  # practitioners, hours, breaks, time off, appointments


def test_today_and_availability_read_a_constant_number_of_queries(
    desk, practitioner, calendar, actor, monday
):

    for hour in range(9, 14):
        book(
            desk,
            make_consented_patient(actor),
            practitioner,
            local(monday, f"{hour:02d}:00"),
            calendar.treatment,
        )
    with CaptureQueriesContext(connection) as captured:
        rows = selectors.today(actor=desk, day=monday)
        [r.appointment.patient.display_name for r in rows]
    assert len(rows) == 5 and len(captured) == 1  # one joined query (settings read already)
    with CaptureQueriesContext(connection) as captured:
        selectors.availability(
            calendar.admin.clinic,
            [practitioner.pk],
            monday,
            monday + dt.timedelta(days=27),
            minutes=30,
        )
    assert len(captured) == 4  # hours, breaks, time off, appointments


def test_staff_pages_refuse_posts_without_a_csrf_token(
    desk, patient, practitioner, calendar, monday
):
    appointment = book(desk, patient, practitioner, local(monday, "09:00"), calendar.treatment)
    client = Client(enforce_csrf_checks=True)
    client.force_login(calendar.admin.user)
    for url in (
        "/calendar/book/",
        f"/calendar/appointments/{appointment.pk}/status/",
        f"/calendar/appointments/{appointment.pk}/move/",
        f"/calendar/appointments/{appointment.pk}/cancel/",
        "/calendar/waitlist/",
        f"/calendar/practitioners/{practitioner.pk}/",
        f"/calendar/practitioners/{practitioner.pk}/time-off/",
        f"/calendar/practitioners/{practitioner.pk}/feed/",
        "/calendar/setup/",
        "/calendar/setup/locations/new/",
        "/calendar/setup/types/new/",
    ):
        assert client.post(url, {"reason": "illness"}).status_code == 403, url
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def _handlers(html: str) -> list[str]:
    """Event-handler attributes (onclick=...) of any element, read as a browser would."""
    found: list[str] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(f"{tag}.{name}" for name, _ in attrs if name.startswith("on"))

    Parser().feed(html)
    return found


def test_pages_have_no_inline_script_and_escape_names(desk, actor, practitioner, calendar, monday):
    xss = make_consented_patient(
        actor, family_name="<script>alert(1)</script>", given_name='<img src=x onerror="alert(2)">'
    )
    appointment = book(desk, xss, practitioner, local(monday, "09:00"), calendar.treatment)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(calendar.admin.user)
    for url in (
        f"/calendar/?date={monday}",
        f"/calendar/?view=week&date={monday}",
        f"/calendar/appointments/{appointment.pk}/",
        f"/calendar/book/?patient={xss.pk}",
        "/calendar/waitlist/",
        "/calendar/setup/",
        f"/calendar/practitioners/{practitioner.pk}/",
        "/",
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert" not in html and 'onerror="alert' not in html, url
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert not _handlers(html), url


def test_the_waitlist_form_finds_the_patient_and_can_move_their_appointment_earlier(
    desk_client, actor, practitioner, calendar, desk, monday
):
    from imsclinic.scheduling.models import WaitlistEntry

    patient = make_consented_patient(actor, family_name="Earlybird", email="early@example.org")
    later = book(
        desk,
        patient,
        practitioner,
        local(monday + dt.timedelta(days=14), "15:00"),
        calendar.treatment,
    )
    found = desk_client.get("/calendar/waitlist/?q=Earlybird&note=mornings").content.decode()
    assert f'value="{patient.pk}"' in found and 'value="mornings"' in found  # typed text kept
    chosen = desk_client.get(f"/calendar/waitlist/?patient_id={patient.pk}").content.decode()
    assert "Move this appointment earlier" in chosen and f'value="{later.pk}"' in chosen
    response = desk_client.post(
        "/calendar/waitlist/",
        {
            "patient_id": patient.pk,
            "appointment_type_id": calendar.treatment.pk,
            "earliest": str(monday),
            "latest": str(monday + dt.timedelta(days=7)),
            "current_appointment_id": later.pk,
        },
    )
    assert response.status_code == 302
    assert WaitlistEntry.objects.get().current_appointment == later

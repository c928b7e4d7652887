"""The clinic's day in Chromium: the front desk books a course, moves one and marks a
no-show (1024 px); a patient books online on a phone (390 px), gets the confirmation in
the console outbox and confirms through its link; a practitioner charts from the
appointment and Today shows it done."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from imsclinic.scheduling.models import Appointment
from tests.factories import make_actor, make_consented_patient, make_episode, make_user
from tests.scheduling.builders import (
    book,
    local,
    minutes_ago_today,
    next_weekday,
    set_up_calendar,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def test_front_desk_books_a_course_moves_one_and_marks_a_no_show(
    page, live_server, login, clinic, practitioner, actor, screenshot
):
    page.set_viewport_size(TABLET)
    calendar = set_up_calendar(
        clinic, [practitioner], days=(0, 1, 2, 3, 4), starts="08:00", ends="17:00"
    )
    desk = make_user(clinic, "frontdesk.b", "front_desk")
    patient = make_consented_patient(
        actor, family_name="Lindqvist", given_name="Maren", email="maren@example.org"
    )
    missed = make_consented_patient(actor, family_name="Quill", given_name="Harper")
    started = minutes_ago_today(40)
    no_show = book(
        make_actor(desk),
        missed,
        practitioner,
        started,
        calendar.treatment,
        allow_outside_hours=True,
    )
    monday = next_weekday(timezone.localdate() + dt.timedelta(days=7), 0)
    login(desk)

    # The front desk opens the calendar on a Monday and clicks a free slot
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    page.get_by_label("Go to date").fill(str(monday))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(monday.strftime("%A")))).to_be_visible()
    slot = page.get_by_role("link", name=re.compile(r"^Book 10:00, Test Pt\.Morgan"))
    # Keyboard: the grid's arrow keys move between times
    slot.focus()
    page.keyboard.press("ArrowDown")
    expect(
        page.get_by_role("link", name=re.compile(r"^Book 10:15, Test Pt\.Morgan"))
    ).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(slot).to_be_focused()
    screenshot(page, "30-calendar-day")
    page.keyboard.press("Enter")

    # The booking form has the time; they find the patient and ask for 8 weekly sessions
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    expect(page.get_by_label(re.compile("^Time"))).to_have_value("10:00")
    page.get_by_label("Find the patient").fill("Lindq")
    page.get_by_label(re.compile("Lindqvist, Maren")).check()
    page.get_by_label("Type").select_option(label="IMS treatment (30 min)")
    page.get_by_label("Repeat: number of appointments").fill("8")
    expect(page.get_by_role("button", name="Check 8 times")).to_be_visible()
    page.get_by_role("button", name="Check 8 times").click()

    # Every time is checked before anything is saved
    expect(page.get_by_role("heading", name=re.compile("Confirm the course: 8"))).to_be_visible()
    expect(page.get_by_text("All 8 times are free.")).to_be_visible()
    assert not Appointment.objects.filter(patient=patient).exists()
    screenshot(page, "31-course-confirm")
    page.get_by_role("button", name="Book the course").click()
    expect(page.get_by_role("status")).to_contain_text("Booked 8 appointments for Lindqvist, Maren")
    course = list(Appointment.objects.filter(patient=patient).order_by("starts_at"))
    assert len(course) == 8
    assert {
        a.starts_at.astimezone(timezone.get_current_timezone()).strftime("%a %H:%M") for a in course
    } == {"Mon 10:00"}

    # They move the third one by picking a new time on the calendar
    # (the page lists the course; its own entry, the first, is not a link)
    page.get_by_role("link", name=re.compile(r"\d+ \w+, 10:00")).nth(1).click()
    page.get_by_role("link", name="Pick a new time on the calendar").click()
    expect(page.get_by_role("status")).to_contain_text("Moving")
    page.get_by_role("link", name=re.compile(r"^Move here 14:30, Test Pt\.Morgan")).click()
    page.get_by_role("button", name="Move here").click()
    expect(page.get_by_role("status")).to_contain_text("Moved to")
    third = Appointment.objects.get(pk=course[2].pk)
    assert third.starts_at == local(
        course[2].starts_at.astimezone(timezone.get_current_timezone()).date(), "14:30"
    )
    expect(page.locator("#appointment-status")).to_have_text("Booked")

    # Today: the patient who did not come is marked a no-show
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    row = page.locator(f"#today-{no_show.pk}")
    expect(row).to_contain_text("Quill, Harper")
    expect(row).to_contain_text("Due")
    row.get_by_role("link", name=re.compile(r"^\d\d:\d\d$")).click()
    page.get_by_role("button", name="No-show").click()
    expect(page.locator("#appointment-status")).to_have_text("No-show")
    screenshot(page, "32-appointment-no-show")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator(f"#today-{no_show.pk}")).to_contain_text("No-show")


def test_a_patient_books_online_on_a_phone_and_confirms_from_the_email(
    page, live_server, clinic, practitioner, actor, screenshot
):
    calendar = set_up_calendar(clinic, [practitioner], online_min_notice_hours=12)
    with override_settings(IMSCLINIC_PUBLIC_URL=live_server.url):
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/book/{clinic.slug}/")
        expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
        page.get_by_label(re.compile("No, I am new")).check()
        page.get_by_label("Type of visit").select_option(label="IMS assessment (60 minutes)")
        page.get_by_role("button", name="Show free times").click()
        first_free = page.locator(".day-slots a").first
        expect(first_free).to_be_visible()
        screenshot(page, "33-public-free-times-390")
        first_free.click()
        page.get_by_label("Given name").fill("Tamsin")
        page.get_by_label("Family name").fill("Okonkwo-Reid")
        page.get_by_label("Date of birth").fill("1986-07-19")
        page.get_by_label(re.compile("^E-mail")).fill("tamsin@example.org")
        page.get_by_label("Phone").fill("403-555-0188")
        screenshot(page, "34-public-details-390")
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_role("status")).to_contain_text("sent the details to tamsin@example.org")
        # Nothing on the page says whether a record matched.
        expect(page.get_by_role("status")).not_to_contain_text("confirm who")

        # The sender delivers the confirmation to the console (as `make run` does)
        console = io.StringIO()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"),
            redirect_stdout(console),
        ):
            call_command("outbox", "send")
        printed = console.getvalue()
        assert "To: tamsin@example.org" in printed
        assert "IMS assessment" in printed and "appointment.ics" in printed
        confirm_url = re.search(rf"({re.escape(live_server.url)}/a/[\w-]+/)", printed).group(1)

        # The patient opens the link on the phone and confirms: a real POST from Chromium
        page.goto(confirm_url)
        expect(page.get_by_role("heading", name="Confirm your appointment")).to_be_visible()
        page.get_by_role("button", name="Yes, I will come").click()
        expect(page.get_by_role("status")).to_contain_text("your appointment is confirmed")
        screenshot(page, "35-public-confirmed-390")
    appointment = Appointment.objects.get(source="online")
    assert appointment.confirmed_at is not None
    assert appointment.appointment_type == calendar.assessment
    assert appointment.patient is None  # held: the front desk confirms who it is
    page.goto(confirm_url)
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()


def test_the_practitioner_charts_from_the_appointment_and_today_shows_it_done(
    page, live_server, login, clinic, practitioner, actor, screenshot
):
    page.set_viewport_size(TABLET)
    calendar = set_up_calendar(clinic, [practitioner])
    patient = make_consented_patient(actor, family_name="Nakamura", given_name="Aiko")
    make_episode(actor, patient)
    start = minutes_ago_today(15)
    appointment = book(
        actor, patient, practitioner, start, calendar.treatment, allow_outside_hours=True
    )
    login(practitioner)

    row = page.locator(f"#today-{appointment.pk}")
    expect(row).to_contain_text("Due")
    row.get_by_role("link", name="Chart session for Nakamura, Aiko").click()
    expect(page.locator("#from-appointment")).to_contain_text("signing the note completes it")
    page.get_by_label("Pain before (0-10)").fill("6")
    page.locator('[name="insertions.0.muscle"]').fill("Gluteus medius")
    page.locator('[name="insertions.0.side"]').select_option("left")
    page.locator('[name="insertions.0.needle_lot"]').fill("LOT-2026-051")
    page.locator('[name="insertions.0.twitch"]').select_option("strong")
    page.get_by_label("Pain after (0-10)").fill("3")
    page.locator("#save-sign").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Session #1 ·"))).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    row = page.locator(f"#today-{appointment.pk}")
    expect(row).to_contain_text("Done")
    expect(row.get_by_role("link", name="Note")).to_be_visible()
    expect(page.locator("#today-counts")).to_contain_text("0 due · 0 arrived · 1 done")
    screenshot(page, "36-today-done")
    appointment.refresh_from_db()
    assert appointment.status == "completed" and appointment.session is not None


def test_the_admin_sets_up_the_calendar_and_a_practitioner_their_phone_feed(
    page, live_server, login, clinic, practitioner, screenshot
):
    page.set_viewport_size({"width": 768, "height": 1024})
    admin = make_user(clinic, "clinic.admin2", "admin")
    login(admin)
    page.goto(f"{live_server.url}/calendar/setup/")
    # A location, an appointment type, the settings
    page.get_by_role("link", name="Add a location").click()
    page.get_by_label("Name").fill("Main room")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add a type").click()
    page.get_by_label("Name").fill("IMS treatment")
    page.get_by_label("Kind").select_option("treatment")
    page.get_by_label("Length (minutes)").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="IMS treatment")).to_be_visible()
    page.get_by_label(re.compile("Patients can book online at")).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Calendar settings saved")
    # The practitioner's weekly hours: Monday 08:00-12:00 and a lunch break
    page.get_by_role("link", name=practitioner.display_name).click()
    page.get_by_label("Day, row 1", exact=True).select_option(label="Monday")
    page.get_by_label("Location, row 1", exact=True).select_option(label="Main room")
    page.get_by_label("From, row 1", exact=True).fill("08:00")
    page.get_by_label("To, row 1", exact=True).fill("12:00")
    page.get_by_label(re.compile("can book .* online")).check()
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    screenshot(page, "37-practitioner-schedule-768")
    from imsclinic.scheduling.models import PractitionerProfile, WorkingHours

    hours = WorkingHours.objects.get(practitioner=practitioner)
    assert (hours.weekday, hours.starts, hours.ends) == (0, dt.time(8), dt.time(12))
    assert PractitionerProfile.objects.get(practitioner=practitioner).bookable_online

    # The practitioner records time off and makes a feed link for the phone's calendar
    page.get_by_role("button", name="Log out").click()
    login(practitioner)
    page.goto(f"{live_server.url}/calendar/mine/")
    page.get_by_label("From date").fill(str(timezone.localdate() + dt.timedelta(days=20)))
    page.get_by_label("Reason").fill("Course")
    page.get_by_role("button", name="Add time off").click()
    expect(page.get_by_role("status")).to_contain_text("Time off recorded")
    page.get_by_role("button", name="Make a feed link").click()
    feed = page.locator("#feed-url").inner_text()
    response = page.request.get(feed)
    assert response.status == 200 and response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in response.text()

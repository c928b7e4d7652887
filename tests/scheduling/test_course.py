"""A course of IMS: n weekly appointments at the same wall-clock time, all or none.

The clinic is in Calgary (America/Edmonton): clocks go forward on 8 March 2026, so a
course of Tuesdays at 09:00 from 24 February is 16:00 UTC twice, then 15:00 UTC."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from imsclinic.core.errors import ValidationProblem
from imsclinic.scheduling import actions
from imsclinic.scheduling.models import Appointment, Course
from imsclinic.scheduling.schemas import CourseIn
from imsclinic.scheduling.times import zone
from tests.scheduling.builders import book, local

pytestmark = pytest.mark.django_db
TZ = zone("America/Edmonton")


def course(practitioner, calendar, first, **extra):
    values = {
        "practitioner_id": practitioner.pk,
        "appointment_type_id": calendar.treatment.pk,
        "first_start": first,
        "count": 8,
    }
    values.update(extra)
    return CourseIn(**values)


def test_a_course_crossing_the_spring_change_stays_at_nine_local(
    desk, patient, practitioner, calendar
):
    # "Now" is mid-February 2026, so the course is in the future.
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 2, 16, 18, 0, tzinfo=dt.UTC)
    ):
        created, booked = actions.course_book(
            actor=desk,
            patient=patient,
            data=course(practitioner, calendar, dt.datetime(2026, 2, 24, 9, 0)),
        )
    assert len(booked) == 8 and created.count == 8
    assert [a.starts_at.astimezone(TZ).strftime("%a %d %b %H:%M") for a in booked] == [
        "Tue 24 Feb 09:00",
        "Tue 03 Mar 09:00",
        "Tue 10 Mar 09:00",
        "Tue 17 Mar 09:00",
        "Tue 24 Mar 09:00",
        "Tue 31 Mar 09:00",
        "Tue 07 Apr 09:00",
        "Tue 14 Apr 09:00",
    ]
    assert [a.starts_at.hour for a in booked] == [16, 16, 15, 15, 15, 15, 15, 15]  # UTC
    assert all(a.course == created for a in booked)


def test_a_course_crossing_the_autumn_change_too(desk, patient, practitioner, calendar):
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 10, 19, 18, 0, tzinfo=dt.UTC)
    ):
        _, booked = actions.course_book(
            actor=desk,
            patient=patient,
            data=course(practitioner, calendar, dt.datetime(2026, 10, 22, 17, 30), count=3),
        )
    assert [a.starts_at.astimezone(TZ).strftime("%d %H:%M") for a in booked] == [
        "22 17:30",
        "29 17:30",
        "05 17:30",
    ]
    assert [a.starts_at.hour for a in booked] == [23, 23, 0]


def test_the_plan_shows_each_conflict_with_free_times_nearby_and_books_nothing(
    desk, patient, other_patient, practitioner, calendar, monday
):
    third = monday + dt.timedelta(weeks=2)
    blocker = book(desk, other_patient, practitioner, local(third, "10:00"), calendar.treatment)
    data = course(practitioner, calendar, dt.datetime.combine(monday, dt.time(10, 0)))
    plan = actions.course_plan(actor=desk, patient=patient, data=data)
    assert [o.ok for o in plan.occurrences] == [True, True, False, True, True, True, True, True]
    clash = plan.occurrences[2]
    assert clash.conflicts[0].appointment_id == blocker.pk
    assert clash.suggestions and all(s.astimezone(TZ).date() == third for s in clash.suggestions)
    assert local(third, "10:30") in clash.suggestions  # right after the blocker
    assert Appointment.objects.filter(patient=patient).count() == 0  # planning writes nothing


def test_all_or_none_a_single_conflict_books_nothing(
    desk, patient, other_patient, practitioner, calendar, monday
):
    book(
        desk,
        other_patient,
        practitioner,
        local(monday + dt.timedelta(weeks=7), "10:00"),
        calendar.treatment,
    )
    with pytest.raises(actions.BookingConflict) as caught:
        actions.course_book(
            actor=desk,
            patient=patient,
            data=course(practitioner, calendar, dt.datetime.combine(monday, dt.time(10))),
        )
    assert [c.index for c in caught.value.conflicts] == [7]
    assert not Appointment.objects.filter(patient=patient).exists()
    assert not Course.objects.exists()


def test_the_adjusted_times_from_the_dialog_are_booked(
    desk, patient, other_patient, practitioner, calendar, monday
):
    third = monday + dt.timedelta(weeks=2)
    book(desk, other_patient, practitioner, local(third, "10:00"), calendar.treatment)
    data = course(practitioner, calendar, dt.datetime.combine(monday, dt.time(10)))
    plan = actions.course_plan(actor=desk, patient=patient, data=data)
    chosen = [o.start if o.ok else o.suggestions[0] for o in plan.occurrences]
    _, booked = actions.course_book(
        actor=desk, patient=patient, data=data.model_copy(update={"starts": chosen})
    )
    assert [a.starts_at for a in booked] == chosen


def test_a_time_in_the_spring_gap_is_reported_not_shifted(desk, patient, practitioner, calendar):
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 2, 16, 18, 0, tzinfo=dt.UTC)
    ):
        plan = actions.course_plan(
            actor=desk,
            patient=patient,
            data=course(
                practitioner,
                calendar,
                dt.datetime(2026, 3, 1, 2, 30),
                count=2,
                allow_outside_hours=True,
            ),
        )
        assert plan.occurrences[1].conflicts[0].kind == "nonexistent_time"
        with pytest.raises(actions.BookingConflict):
            actions.course_book(
                actor=desk,
                patient=patient,
                data=course(
                    practitioner,
                    calendar,
                    dt.datetime(2026, 3, 1, 2, 30),
                    count=2,
                    allow_outside_hours=True,
                ),
            )


def test_times_outside_working_hours_are_fields_to_fix_or_allow(
    desk, patient, practitioner, calendar, monday
):
    data = course(practitioner, calendar, dt.datetime.combine(monday, dt.time(17, 45)), count=2)
    with pytest.raises(ValidationProblem) as caught:
        actions.course_book(actor=desk, patient=patient, data=data)
    assert [p.field for p in caught.value.problems] == ["starts.0", "starts.1"]
    _, booked = actions.course_book(
        actor=desk, patient=patient, data=data.model_copy(update={"allow_outside_hours": True})
    )
    assert len(booked) == 2


def test_course_size_limits(desk, patient, practitioner, calendar, monday):
    with pytest.raises(ValidationProblem) as caught:
        actions.course_plan(
            actor=desk,
            patient=patient,
            data=course(
                practitioner,
                calendar,
                dt.datetime.combine(monday, dt.time(9)),
                count=60,
                every_weeks=9,
            ),
        )
    assert {p.field for p in caught.value.problems} == {"count", "every_weeks"}


def test_course_confirmation_lists_every_time_in_one_email_with_one_calendar_file(
    desk, patient, practitioner, calendar, monday
):
    from django.core import mail

    from imsclinic.notifications.sender import send_all_due
    from imsclinic.scheduling import ical

    patient.email = "course@example.org"
    patient.save()
    actions.course_book(
        actor=desk,
        patient=patient,
        data=course(practitioner, calendar, dt.datetime.combine(monday, dt.time(9)), count=4),
    )
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        send_all_due()
    (message,) = [m for m in mail.outbox if "course" in m.subject]
    assert message.body.count(" 09:00 ") == 4
    assert len(ical.parse_events(message.attachments[0][1])) == 4


def test_a_course_keeps_to_the_booking_window(desk, patient, practitioner, calendar):
    with pytest.raises(ValidationProblem) as caught:
        actions.course_plan(
            actor=desk,
            patient=patient,
            data=course(practitioner, calendar, timezone.now() - dt.timedelta(days=30)),
        )
    assert caught.value.problems[0].field == "first_start"
    with pytest.raises(ValidationProblem) as caught:
        actions.course_plan(
            actor=desk,
            patient=patient,
            data=course(
                practitioner, calendar, timezone.now() + dt.timedelta(days=700), every_weeks=4
            ),
        )
    assert caught.value.problems[0].field == "count"

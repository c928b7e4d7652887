"""The demo clinic's calendar: settings, two locations, the three IMS appointment types,
practitioners' hours, and a realistic booked week around today (all synthetic), written
through the same actions as the pages. Called by demo/loader.py."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor
from imsclinic.patients.models import Patient
from imsclinic.scheduling import actions
from imsclinic.scheduling.models import Appointment, AppointmentType, Location
from imsclinic.scheduling.schemas import (
    AppointmentIn,
    AppointmentTypeIn,
    BreakIn,
    CourseIn,
    HoursIn,
    LocationIn,
    OnlineBookingIn,
    ScheduleIn,
    SettingsIn,
    TimeOffIn,
    WaitlistIn,
)
from imsclinic.scheduling.times import to_utc, zone

TIME_ZONE = "America/Edmonton"  # the demo clinic is in Calgary


def _actor(user: User) -> Actor:
    assert user.clinic is not None
    return Actor(user=user, clinic=user.clinic, source="command")


def _hours(days: Sequence[int], location: Location, start: str, end: str) -> list[HoursIn]:
    return [
        HoursIn(
            weekday=d,
            location_id=location.pk,
            starts=dt.time.fromisoformat(start),
            ends=dt.time.fromisoformat(end),
        )
        for d in days
    ]


def set_up(
    admin: User, practitioners: dict[str, User]
) -> tuple[dict[str, AppointmentType], dict[str, Location]]:
    actor = _actor(admin)
    actions.settings_save(
        actor=actor,
        data=SettingsIn(
            time_zone=TIME_ZONE,
            online_booking_enabled=True,
            online_min_notice_hours=12,
            online_max_days_ahead=60,
            reminder_hours_before=24,
            reply_to_email="frontdesk@bowriver-ims.example.org",
        ),
    )
    locations = {
        "main": actions.location_save(
            actor=actor,
            data=LocationIn(name="Bow River (main)", address="100 Synthetic Ave SW, Calgary"),
        ),
        "north": actions.location_save(
            actor=actor,
            data=LocationIn(name="Nose Hill satellite", address="200 Example Rd NW, Calgary"),
        ),
    }
    types = {
        "assessment": actions.appointment_type_save(
            actor=actor,
            data=AppointmentTypeIn(
                name="IMS assessment", kind="assessment", minutes=60, position=1
            ),
        ),
        "treatment": actions.appointment_type_save(
            actor=actor,
            data=AppointmentTypeIn(name="IMS treatment", kind="treatment", minutes=30, position=2),
        ),
        "follow_up": actions.appointment_type_save(
            actor=actor,
            data=AppointmentTypeIn(name="Follow-up", kind="follow_up", minutes=20, position=3),
        ),
    }
    lunch = [
        BreakIn(weekday=d, starts=dt.time(12, 0), ends=dt.time(12, 30), label="Lunch")
        for d in range(5)
    ]
    actions.schedule_save(
        actor=actor,
        practitioner=practitioners["pt.morgan"],
        data=ScheduleIn(
            bookable_online=True,
            hours=_hours(range(5), locations["main"], "08:00", "16:30"),
            breaks=lunch,
        ),
    )
    actions.schedule_save(
        actor=actor,
        practitioner=practitioners["dr.okafor"],
        data=ScheduleIn(
            bookable_online=True,
            hours=[
                *_hours((1, 3), locations["main"], "09:00", "17:00"),
                *_hours((0, 2), locations["north"], "13:00", "18:00"),
                *_hours((5,), locations["north"], "09:00", "13:00"),
            ],
            breaks=[
                BreakIn(weekday=d, starts=dt.time(12, 30), ends=dt.time(13, 0), label="Lunch")
                for d in (1, 3)
            ],
        ),
    )
    actions.schedule_save(
        actor=actor,
        practitioner=practitioners["pt.lapsed"],
        data=ScheduleIn(
            bookable_online=False, hours=_hours((0, 2, 4), locations["main"], "10:00", "14:00")
        ),
    )
    return types, locations


def _free_start(
    actor: Actor, practitioner: User, day: dt.date, minutes: int, rng: random.Random
) -> dt.datetime | None:
    from imsclinic.scheduling.selectors import availability

    found = availability(actor.clinic, [practitioner.pk], day, day, minutes=minutes)[
        practitioner.pk
    ]
    on_half_hour = [s for s in found if s.start.minute in (0, 30)]
    return rng.choice(on_half_hour).start if on_half_hour else None


def load_week(
    *,
    front_desk: User,
    admin: User,
    practitioners: dict[str, User],
    course_patients: Sequence[Patient],
    other_patients: Sequence[Patient],
    today: dt.date,
    rng: random.Random,
) -> dict[str, int]:
    """Set the calendar up and book about a week: two days back (done, one no-show),
    today (done before now, one arrived, the rest due), five days ahead, a new weekly
    course, an online request to confirm, a waitlisted patient, and some time off."""
    types, _ = set_up(admin, practitioners)
    desk = _actor(front_desk)
    tz = zone(TIME_ZONE)
    booked: list[Appointment] = []
    people = [practitioners["pt.morgan"], practitioners["dr.okafor"]]
    everyone = [*course_patients, *other_patients]
    fill = {"pt.morgan": 0.7, "dr.okafor": 0.6}
    seen: set[tuple[int, dt.date]] = set()  # one visit a day per patient
    for offset in range(-2, 6):
        day = today + dt.timedelta(days=offset)
        for practitioner in people:
            wanted = fill[practitioner.username]
            for _ in range(14):
                if rng.random() > wanted:
                    continue
                kind = rng.choice(
                    ("treatment", "treatment", "treatment", "follow_up", "assessment")
                )
                start = _free_start(desk, practitioner, day, types[kind].minutes, rng)
                if start is None:
                    break
                free_today = [p for p in everyone if (p.pk, day) not in seen]
                if not free_today:
                    break
                patient = rng.choice(free_today)
                seen.add((patient.pk, day))
                try:
                    booked.append(
                        actions.appointment_book(
                            actor=desk,
                            data=AppointmentIn(
                                patient_id=patient.pk,
                                practitioner_id=practitioner.pk,
                                appointment_type_id=types[kind].pk,
                                starts_at=start,
                                notify=False,
                            ),
                        )
                    )
                except actions.BookingConflict:
                    continue  # the patient is with the other practitioner then
    now = dt.datetime.now(dt.UTC)
    arrived = False
    for index, appointment in enumerate(sorted(booked, key=lambda a: a.starts_at)):
        if appointment.ends_at <= now:
            status = Appointment.Status.NO_SHOW if index % 17 == 5 else Appointment.Status.COMPLETED
            actions.appointment_set_status(actor=desk, appointment=appointment, status=status)
        elif appointment.starts_at <= now and not arrived:
            actions.appointment_set_status(
                actor=desk, appointment=appointment, status=Appointment.Status.ARRIVED
            )
            arrived = True
    # A new course for a patient who has just been assessed: weekly, eight times.
    # First Tuesday after the week booked above, so the course meets no other booking.
    course_start = today + dt.timedelta(days=7)
    course_start += dt.timedelta(days=(1 - course_start.weekday()) % 7)
    first = to_utc(dt.datetime.combine(course_start, dt.time(16, 30)), tz)
    actions.course_book(
        actor=desk,
        patient=other_patients[0],
        data=CourseIn(
            practitioner_id=practitioners["dr.okafor"].pk,
            appointment_type_id=types["treatment"].pk,
            first_start=first,
            count=8,
            notify=False,
            allow_outside_hours=True,
        ),
    )
    # Time off next month, and a patient waiting for an earlier time.
    off_day = today + dt.timedelta(days=30)
    actions.time_off_add(
        actor=_actor(practitioners["pt.morgan"]),
        practitioner=practitioners["pt.morgan"],
        data=TimeOffIn(
            starts_at=dt.datetime.combine(off_day, dt.time(0, 0)),
            ends_at=dt.datetime.combine(off_day + dt.timedelta(days=2), dt.time(23, 59)),
            reason="IMS refresher course",
        ),
    )
    waiting = course_patients[1] if len(course_patients) > 1 else course_patients[0]
    actions.waitlist_add(
        actor=desk,
        data=WaitlistIn(
            patient_id=waiting.pk,
            appointment_type_id=types["treatment"].pk,
            earliest=today,
            latest=today + dt.timedelta(days=14),
            note="Would like mornings",
        ),
    )
    # An online request from someone who is not on file: held for the front desk.
    slot = None
    for ahead in range(2, 21):
        slot = _free_start(
            desk, practitioners["pt.morgan"], today + dt.timedelta(days=ahead), 60, rng
        )
        if slot is not None:
            break
    if slot is not None:
        actions.online_book(
            clinic=desk.clinic,
            data=OnlineBookingIn(
                appointment_type_id=types["assessment"].pk,
                practitioner_id=practitioners["pt.morgan"].pk,
                starts_at=slot,
                new_patient=True,
                family_name="Okonkwo-Reid",
                given_name="Tamsin",
                date_of_birth=dt.date(1986, 7, 19),
                email="tamsin.or@example.org",
                phone="403-555-0188",
            ),
            address=None,
        )
    return {"appointments": Appointment.objects.filter(clinic=desk.clinic).count()}

"""Builders for calendar tests, through the real actions. Every name is synthetic."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from imsclinic.accounts.models import User
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.scheduling import actions
from imsclinic.scheduling.models import Appointment, AppointmentType, Location
from imsclinic.scheduling.schemas import (
    AppointmentIn,
    AppointmentTypeIn,
    HoursIn,
    LocationIn,
    ScheduleIn,
    SettingsIn,
)
from imsclinic.scheduling.times import to_utc, zone
from tests.factories import make_actor, make_consented_patient, make_user

EDMONTON = "America/Edmonton"
_admins = itertools.count(1)


@dataclass
class Calendar:
    admin: Actor
    location: Location
    types: dict[str, AppointmentType]

    @property
    def treatment(self) -> AppointmentType:
        return self.types["treatment"]

    @property
    def assessment(self) -> AppointmentType:
        return self.types["assessment"]


def set_up_calendar(
    clinic: Clinic,
    practitioners: list[User],
    *,
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6),
    starts: str = "08:00",
    ends: str = "18:00",
    bookable_online: bool = True,
    **settings: Any,
) -> Calendar:
    """Settings, one location, the three IMS types, and working hours for everyone."""
    admin = make_actor(make_user(clinic, f"sched-admin-{next(_admins)}", "admin"))
    values = {"time_zone": EDMONTON, "online_booking_enabled": True, "online_min_notice_hours": 0}
    values.update(settings)
    actions.settings_save(actor=admin, data=SettingsIn(**values))
    location = actions.location_save(
        actor=admin, data=LocationIn(name="Main room", address="1 Test St")
    )
    types = {
        "assessment": actions.appointment_type_save(
            actor=admin,
            data=AppointmentTypeIn(
                name="IMS assessment", kind="assessment", minutes=60, position=1
            ),
        ),
        "treatment": actions.appointment_type_save(
            actor=admin,
            data=AppointmentTypeIn(name="IMS treatment", kind="treatment", minutes=30, position=2),
        ),
        "follow_up": actions.appointment_type_save(
            actor=admin,
            data=AppointmentTypeIn(name="Follow-up", kind="follow_up", minutes=20, position=3),
        ),
    }
    for practitioner in practitioners:
        actions.schedule_save(
            actor=admin,
            practitioner=practitioner,
            data=ScheduleIn(
                bookable_online=bookable_online,
                hours=[
                    HoursIn(
                        weekday=d,
                        location_id=location.pk,
                        starts=dt.time.fromisoformat(starts),
                        ends=dt.time.fromisoformat(ends),
                    )
                    for d in days
                ],
            ),
        )
    return Calendar(admin=admin, location=location, types=types)


def local(day: dt.date, hhmm: str, time_zone: str = EDMONTON) -> dt.datetime:
    """The UTC instant of a wall-clock time in the clinic's zone."""
    return to_utc(dt.datetime.combine(day, dt.time.fromisoformat(hhmm)), zone(time_zone))


def book(
    actor: Actor,
    patient: Any,
    practitioner: User,
    start: dt.datetime,
    appointment_type: AppointmentType,
    **extra: Any,
) -> Appointment:
    values: dict[str, Any] = {
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
        "appointment_type_id": appointment_type.pk,
        "starts_at": start,
    }
    values.update(extra)
    return actions.appointment_book(actor=actor, data=AppointmentIn(**values))


def new_patient_request(clinic: Any, practitioner: User, calendar: Any, start: dt.datetime) -> Any:
    """A new patient's online request (held for the front desk): Okonkwo-Reid, Tamsin."""
    from imsclinic.scheduling.schemas import OnlineBookingIn

    return actions.online_book(
        clinic=clinic,
        data=OnlineBookingIn(
            appointment_type_id=calendar.assessment.pk,
            practitioner_id=practitioner.pk,
            starts_at=start,
            new_patient=True,
            family_name="Okonkwo-Reid",
            given_name="Tamsin",
            date_of_birth=dt.date(1986, 7, 19),
            email="tamsin@example.org",
            phone="403-555-0188",
        ),
        address=None,
    )


def minutes_ago_today(minutes: int) -> dt.datetime:
    """A start ``minutes`` ago, on the whole minute, but never before the clinic's midnight:
    an appointment that must be on today's list stays on it in the first minutes of a day."""
    from django.utils import timezone

    midnight = dt.datetime.combine(
        timezone.localdate(), dt.time(0), tzinfo=timezone.get_current_timezone()
    )
    start = max(timezone.now() - dt.timedelta(minutes=minutes), midnight)
    return start.replace(second=0, microsecond=0)


def next_weekday(day: dt.date, weekday: int) -> dt.date:
    """The first ``weekday`` (0 = Monday) strictly after ``day``."""
    return day + dt.timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


# The permission matrix (tests/security/test_permission_matrix.py) --------------------------

_matrix_slots = itertools.count(0)
_matrix_requests = itertools.count(0)


def _matrix_time(day: dt.date) -> dt.datetime:
    """A fresh bookable time for each call: 08:00, 08:30, ... 15:30, then the next day (20
    days round; each test's database starts empty)."""
    n = next(_matrix_slots)
    return local(
        day + dt.timedelta(days=(n // 16) % 20), f"{8 + (n % 16) // 2:02d}:{30 * (n % 2):02d}"
    )


def _matrix_request_time(day: dt.date) -> dt.datetime:
    """An evening hour for online requests, 20 to 34 days after ``day``: at most 55 days
    from today whatever weekday today is, inside the 60-day online booking window, and
    apart from the daytime bookings."""
    return local(day + dt.timedelta(days=20 + next(_matrix_requests) % 15), "18:30")


def matrix_records(actor: Actor, patient: Any) -> dict[str, Any]:
    """Scheduling rows of the actor's clinic for the permission matrix: an appointment, an
    online request, a waitlist entry, time off, a location and a type (calendar once)."""
    from django.utils import timezone

    from imsclinic.scheduling.schemas import OnlineBookingIn, TimeOffIn, WaitlistIn

    clinic = actor.clinic
    calendar: Calendar | None = getattr(clinic, "_matrix_calendar", None)
    if calendar is None:
        calendar = set_up_calendar(clinic, [actor.user], ends="20:00")
        clinic._matrix_calendar = calendar  # type: ignore[attr-defined]
    day = next_weekday(timezone.localdate() + dt.timedelta(days=14), 0)
    appointment = book(actor, patient, actor.user, _matrix_time(day), calendar.treatment)
    # Rows no operation changes: made once per clinic (the matrix asks for fresh records
    # for every role of every writing operation, and only the appointment must be fresh).
    fixed = getattr(clinic, "_matrix_fixed", None)
    if fixed is None:
        online = actions.online_book(
            clinic=clinic,
            data=OnlineBookingIn(
                appointment_type_id=calendar.assessment.pk,
                practitioner_id=actor.user.pk,
                starts_at=_matrix_request_time(day),
                new_patient=True,
                family_name="Matrix",
                given_name="Request",
                date_of_birth=dt.date(1990, 1, 1),
                email="matrix.request@example.org",
                phone="403-555-0111",
            ),
            address=None,
        )
        entry = actions.waitlist_add(
            actor=actor,
            data=WaitlistIn(
                patient_id=make_consented_patient(actor, email="matrix.wait@example.org").pk,
                appointment_type_id=calendar.treatment.pk,
                earliest=day,
                latest=day + dt.timedelta(days=7),
            ),
        )
        off, _ = actions.time_off_add(
            actor=actor,
            practitioner=actor.user,
            data=TimeOffIn(
                starts_at=dt.datetime.combine(day + dt.timedelta(days=200), dt.time(8)),
                ends_at=dt.datetime.combine(day + dt.timedelta(days=200), dt.time(12)),
            ),
        )
        fixed = {"online_appointment": online.appointment, "waitlist_entry": entry, "time_off": off}
        clinic._matrix_fixed = fixed  # type: ignore[attr-defined]
    return {
        "appointment": appointment,
        **fixed,
        "location": calendar.location,
        "appointment_type": calendar.treatment,
        "practitioner": actor.user,
        "calendar": calendar,
        "day": day,
    }


def matrix_api_url(path: str, records: dict[str, Any]) -> str:
    day = records["day"]
    url = path.replace("{appointment_id}", str(records["appointment"].pk)).replace(
        "{practitioner_id}", str(records["practitioner"].pk)
    )
    if path.endswith("/availability") or path == "/api/v1/appointments":
        url += f"?start={day}&end={day + dt.timedelta(days=6)}"
    return url


def matrix_api_bodies(records: dict[str, Any]) -> dict[str, Any]:
    day = records["day"] + dt.timedelta(days=30)
    course_start = _matrix_time(day + dt.timedelta(days=90))
    return {
        "/api/v1/appointments": {
            "patient_id": records["patient"].pk,
            "practitioner_id": records["practitioner"].pk,
            "appointment_type_id": records["appointment_type"].pk,
            "starts_at": _matrix_time(day).isoformat(),
        },
        "/api/v1/appointments/{appointment_id}/cancel": {"reason": "illness"},
        "/api/v1/appointments/{appointment_id}/move": {"starts_at": _matrix_time(day).isoformat()},
        "/api/v1/appointments/{appointment_id}/status": {"status": "booked"},
        "/api/v1/patients/{patient_id}/courses": {
            "practitioner_id": records["practitioner"].pk,
            "appointment_type_id": records["appointment_type"].pk,
            "first_start": course_start.isoformat(),
            "count": 2,
        },
    }

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
from tests.factories import make_actor, make_user

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
            data=AppointmentTypeIn(name="IMS assessment", kind="assessment", minutes=60, position=1),
        ),
        "treatment": actions.appointment_type_save(
            actor=admin, data=AppointmentTypeIn(name="IMS treatment", kind="treatment", minutes=30, position=2)
        ),
        "follow_up": actions.appointment_type_save(
            actor=admin, data=AppointmentTypeIn(name="Follow-up", kind="follow_up", minutes=20, position=3)
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


def next_weekday(day: dt.date, weekday: int) -> dt.date:
    """The first ``weekday`` (0 = Monday) strictly after ``day``."""
    return day + dt.timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)

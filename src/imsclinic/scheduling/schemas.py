"""Input and output shapes of scheduling, shared by the pages and the JSON API.

Times: an input time with an offset (``2026-03-03T09:00:00-07:00`` or ``...Z``) is that
instant; a time without one is the clinic's wall-clock time (America/Edmonton for the demo
clinic). Outputs are UTC (``...Z``) with the clinic's zone named beside them.
"""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class SettingsIn(Schema):
    time_zone: str = Field(default="America/Edmonton", max_length=60)
    slot_step_minutes: int = 15
    online_booking_enabled: bool = False
    online_min_notice_hours: int = 12
    online_max_days_ahead: int = 60
    feed_shows_patient_names: bool = False
    reminder_hours_before: int = 24
    sms_reminders: bool = False
    waitlist_offers: bool = True
    reply_to_email: str = Field(default="", max_length=254)


class LocationIn(Schema):
    name: str = Field(max_length=120)
    address: str = Field(default="", max_length=300)
    active: bool = True


class AppointmentTypeIn(Schema):
    name: str = Field(max_length=80)
    kind: str = Field(description="assessment | treatment | follow_up")
    minutes: int
    online_bookable: bool = True
    active: bool = True
    position: int = 0


class HoursIn(Schema):
    weekday: int = Field(description="0 = Monday ... 6 = Sunday")
    location_id: int
    starts: dt.time
    ends: dt.time


class BreakIn(Schema):
    weekday: int
    starts: dt.time
    ends: dt.time
    label: str = Field(default="", max_length=60)


class ScheduleIn(Schema):
    bookable_online: bool = False
    hours: list[HoursIn] = Field(default_factory=list, max_length=60)
    breaks: list[BreakIn] = Field(default_factory=list, max_length=30)


class TimeOffIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    reason: str = Field(default="", max_length=120)


class AppointmentIn(Schema):
    patient_id: int
    practitioner_id: int
    appointment_type_id: int
    location_id: int | None = None
    starts_at: dt.datetime
    note: str = Field(default="", max_length=200)
    allow_outside_hours: bool = Field(
        default=False, description="Book although the practitioner is not working then"
    )
    notify: bool = Field(default=True, description="E-mail the patient a confirmation")


class MoveIn(Schema):
    starts_at: dt.datetime
    practitioner_id: int | None = None
    location_id: int | None = None
    allow_outside_hours: bool = False
    notify: bool = True


class CancelIn(Schema):
    reason: str = Field(
        description="patient_request | illness | practitioner_unavailable | clinic_closed | "
        "booked_in_error | other"
    )
    note: str = Field(default="", max_length=300)
    notify: bool = True


class StatusIn(Schema):
    status: str = Field(description="booked | arrived | no_show | completed")


class CourseIn(Schema):
    practitioner_id: int
    appointment_type_id: int
    location_id: int | None = None
    first_start: dt.datetime
    count: int = Field(default=8, description="Appointments in the course (1-52)")
    every_weeks: int = Field(default=1, description="Weeks between appointments (1-4)")
    starts: list[dt.datetime] | None = Field(
        default=None,
        max_length=52,
        description="Explicit times, replacing the weekly series (after adjusting conflicts)",
    )
    note: str = Field(default="", max_length=200)
    allow_outside_hours: bool = False
    notify: bool = True
    dry_run: bool = Field(default=False, description="Only report each time and its conflicts")


class OnlineBookingIn(Schema):
    appointment_type_id: int
    practitioner_id: int
    starts_at: dt.datetime
    new_patient: bool
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    date_of_birth: dt.date
    email: str = Field(max_length=254)
    phone: str = Field(max_length=30)
    website: str = Field(default="", max_length=200)  # a field people never see (bots fill it)


class WaitlistIn(Schema):
    patient_id: int
    appointment_type_id: int
    practitioner_id: int | None = None
    earliest: dt.date
    latest: dt.date
    current_appointment_id: int | None = None
    note: str = Field(default="", max_length=200)


# Outputs -------------------------------------------------------------------------------


class AppointmentTypeOut(Schema):
    id: int
    name: str
    kind: str
    minutes: int
    online_bookable: bool
    for_new_patients: bool


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    location_id: int | None


class AvailabilityOut(Schema):
    practitioner_id: int
    appointment_type_id: int
    minutes: int
    time_zone: str
    slots: list[SlotOut]


class AppointmentOut(Schema):
    id: int
    patient_id: int | None
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    appointment_type_id: int | None
    appointment_type: str
    location_id: int | None
    location: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: str = Field(description="Start in the clinic's time zone, YYYY-MM-DD HH:MM")
    time_zone: str
    status: str
    note: str
    source: str
    course_id: int | None
    session_id: int | None
    confirmed_at: dt.datetime | None
    cancel_reason: str
    cancel_note: str


class ConflictOut(Schema):
    kind: str = Field(
        description="overlap | patient_overlap | time_off | outside_hours | nonexistent_time"
    )
    message: str
    index: int | None = Field(default=None, description="Which time of a course (0-based)")
    appointment_id: int | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


class OccurrenceOut(Schema):
    index: int
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    local_start: str
    conflicts: list[ConflictOut]
    suggestions: list[dt.datetime]


class CourseOut(Schema):
    booked: bool
    course_id: int | None
    time_zone: str
    occurrences: list[OccurrenceOut]
    appointments: list[AppointmentOut]

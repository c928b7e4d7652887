"""The clinic's calendar: settings, locations, appointment types, practitioners' hours,
appointments (moved here from patients), courses, online requests, links, waitlist.

Times of appointments and time off are stored in UTC (``DateTimeField`` with USE_TZ);
working hours and breaks are wall-clock times of the clinic's zone, because "08:00 on
Tuesdays" stays 08:00 when the clocks change (scheduling/times.py).

Size: the calendar's tables, which refer to each other; Django expects an app's models
in one module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from imsclinic.core.models import ClinicScopedModel
from imsclinic.patients.models import Patient

DEFAULT_TIME_ZONE = "America/Edmonton"
# Statuses that hold the practitioner's time: the double-booking guard (the PostgreSQL
# exclusion constraint, the SQLite trigger and the actions' check) covers exactly these.
HOLDS_TIME = ("booked", "arrived", "completed")
# No appointment is longer: overlap queries look back this far from a start.
MAX_MINUTES = 480


class SchedulingSettings(ClinicScopedModel):
    """One row per clinic (absent = the defaults below)."""

    time_zone = models.CharField(max_length=60, default=DEFAULT_TIME_ZONE)
    slot_step_minutes = models.PositiveSmallIntegerField(default=15)
    online_booking_enabled = models.BooleanField(default=False)
    online_min_notice_hours = models.PositiveSmallIntegerField(default=12)
    online_max_days_ahead = models.PositiveSmallIntegerField(default=60)
    # Calendar feeds show the appointment type only, unless the clinic allows names.
    feed_shows_patient_names = models.BooleanField(default=False)
    reminder_hours_before = models.PositiveSmallIntegerField(default=24)  # 0: no reminders
    sms_reminders = models.BooleanField(default=False)
    waitlist_offers = models.BooleanField(default=True)
    # The address patients reply to; blank: the server's DEFAULT_FROM_EMAIL.
    reply_to_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["clinic_id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic"], name="sched_settings_one_per_clinic")
        ]

    def __str__(self) -> str:
        return f"scheduling settings of clinic {self.clinic_id}"


class Location(ClinicScopedModel):
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["clinic", "active"], name="location_clinic_active")]

    def __str__(self) -> str:
        return self.name


class AppointmentType(ClinicScopedModel):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment (new patients)"
        TREATMENT = "treatment", "Treatment"
        FOLLOW_UP = "follow_up", "Follow-up"

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    minutes = models.PositiveSmallIntegerField()
    online_bookable = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name", "id"]
        indexes = [models.Index(fields=["clinic", "active"], name="appttype_clinic_active")]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes} min)"

    @property
    def for_new_patients(self) -> bool:
        return self.kind == self.Kind.ASSESSMENT


class PractitionerProfile(ClinicScopedModel):
    """Scheduling facts of one practitioner: bookable online, calendar-feed token."""

    practitioner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scheduling_profile"
    )
    bookable_online = models.BooleanField(default=False)
    # SHA-256 of the private feed token; blank: no feed. A new token replaces the old one.
    feed_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    feed_issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner_id"]

    def __str__(self) -> str:
        return f"schedule profile of {self.practitioner_id}"


class WorkingHours(ClinicScopedModel):
    """One weekly stretch of working time (wall-clock) at one location."""

    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField()  # 0 = Monday
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["practitioner_id", "weekday", "starts"]
        indexes = [models.Index(fields=["clinic", "practitioner"], name="hours_clinic_pract")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="hours_order"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="hours_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class WeeklyBreak(ClinicScopedModel):
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="weekly_breaks"
    )
    weekday = models.PositiveSmallIntegerField()
    starts = models.TimeField()
    ends = models.TimeField()
    label = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["practitioner_id", "weekday", "starts"]
        indexes = [models.Index(fields=["clinic", "practitioner"], name="break_clinic_pract")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="break_order"
            ),
        ]

    def __str__(self) -> str:
        return f"break {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class TimeOff(ClinicScopedModel):
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["practitioner_id", "starts_at"]
        indexes = [
            models.Index(
                fields=["clinic", "practitioner", "starts_at"], name="timeoff_clinic_pract"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="timeoff_order"
            ),
        ]

    def __str__(self) -> str:
        return f"time off {self.starts_at:%Y-%m-%d %H:%M}"


class Course(ClinicScopedModel):
    """A course of IMS booked at once: n appointments, every k weeks."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveSmallIntegerField()
    every_weeks = models.PositiveSmallIntegerField(default=1)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="course_clinic_patient")]

    def __str__(self) -> str:
        return f"course of {self.count}"


class Appointment(ClinicScopedModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        NO_SHOW = "no_show", "No-show"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        STAFF = "staff", "Front desk or practitioner"
        API = "api", "API"
        ONLINE = "online", "Online self-booking"
        WAITLIST = "waitlist", "Waitlist offer"

    class CancelReason(models.TextChoices):
        PATIENT_REQUEST = "patient_request", "Patient asked"
        PATIENT_ONLINE = "patient_online", "Patient cancelled online"
        ILLNESS = "illness", "Patient unwell"
        PRACTITIONER_UNAVAILABLE = "practitioner_unavailable", "Practitioner unavailable"
        CLINIC_CLOSED = "clinic_closed", "Clinic closed (weather, holiday)"
        BOOKED_IN_ERROR = "booked_in_error", "Booked in error"
        DECLINED = "declined", "Online request declined"
        OTHER = "other", "Other"

    # Null only while an online request waits for the front desk to confirm who it is.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)  # by the patient's link
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=30, choices=CancelReason.choices, blank=True)
    cancel_note = models.CharField(max_length=300, blank=True)
    # The charted session; set when a session is recorded from this appointment.
    session = models.OneToOneField(
        "charting.TreatmentSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
    )
    # iCalendar SEQUENCE: raised on every move or cancellation.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appt_clinic_starts"),
            models.Index(fields=["practitioner", "starts_at"], name="appt_pract_starts"),
            models.Index(fields=["clinic", "patient", "starts_at"], name="appt_clinic_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appt_order"
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk} at {self.starts_at:%Y-%m-%d %H:%M}Z"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def holds_time(self) -> bool:
        return self.status in HOLDS_TIME

    @property
    def is_held_request(self) -> bool:
        return self.patient_id is None and self.status == self.Status.BOOKED


class BookingRequest(ClinicScopedModel):
    """What a patient typed on the public booking page, and how it was matched."""

    class Status(models.TextChoices):
        MATCHED = "matched", "Matched to a record automatically"
        PENDING = "pending", "Waiting for the front desk"
        ACCEPTED = "accepted", "Confirmed by the front desk"
        DECLINED = "declined", "Declined"

    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="booking_request"
    )
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField()
    phone = models.CharField(max_length=30)
    new_patient = models.BooleanField()
    status = models.CharField(max_length=10, choices=Status.choices)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"], name="bookreq_clinic_status")]

    def __str__(self) -> str:
        return f"online request {self.pk} ({self.status})"


class AppointmentLink(ClinicScopedModel):
    """A single-use link a patient gets by e-mail to confirm or cancel one appointment.
    Only the SHA-256 of its token is stored (like questionnaire links and API tokens)."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", "Confirm"
        CANCEL = "cancel", "Cancel"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="links")
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appointment_id", "-id"]
        indexes = [models.Index(fields=["clinic", "appointment"], name="apptlink_clinic_appt")]

    def __str__(self) -> str:
        return f"{self.purpose} link for appointment {self.appointment_id}"


class WaitlistEntry(ClinicScopedModel):
    """A patient who wants an earlier time: offered one when a cancellation frees it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Waiting"
        BOOKED = "booked", "Booked from an offer"
        REMOVED = "removed", "Removed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    # Null: any practitioner.
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    earliest = models.DateField()
    latest = models.DateField()
    # The later appointment an accepted offer replaces (moved earlier), if any.
    current_appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "earliest"], name="waitlist_clinic_status")
        ]

    def __str__(self) -> str:
        return f"waitlist {self.pk} ({self.status})"


class WaitlistOffer(ClinicScopedModel):
    """A freed time offered to a waitlisted patient by e-mail; the first to accept gets it."""

    class Status(models.TextChoices):
        OPEN = "open", "Offered"
        ACCEPTED = "accepted", "Accepted"
        TAKEN = "taken", "Taken by someone else"
        EXPIRED = "expired", "Expired"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"], name="offer_clinic_status")]

    def __str__(self) -> str:
        return f"offer {self.pk} ({self.status})"


class PublicRequestLog(models.Model):
    """Requests to the public booking pages, counted to rate-limit by address and clinic."""

    clinic = models.ForeignKey("core.Clinic", on_delete=models.CASCADE, related_name="+")
    address = models.GenericIPAddressField(null=True)
    kind = models.CharField(max_length=10)  # booking | link
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["address", "at"], name="publog_address_at"),
            models.Index(fields=["clinic", "at"], name="publog_clinic_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.address} at {self.at:%Y-%m-%d %H:%M}"

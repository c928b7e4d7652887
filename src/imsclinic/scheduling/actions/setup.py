"""The clinic admin's set-up of the calendar: settings, locations, appointment types,
practitioners' weekly hours and breaks, time off; the private calendar-feed links."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import Role, User
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import PermissionDenied, Problems, RuleViolation
from imsclinic.core.permissions import ADMINS, require_role
from imsclinic.notifications.outbox import sms_available
from imsclinic.scheduling import links
from imsclinic.scheduling.config import forget_settings
from imsclinic.scheduling.models import (
    MAX_MINUTES,
    Appointment,
    AppointmentType,
    Location,
    PractitionerProfile,
    SchedulingSettings,
    TimeOff,
    WeeklyBreak,
    WorkingHours,
)
from imsclinic.scheduling.schemas import (
    AppointmentTypeIn,
    BreakIn,
    HoursIn,
    LocationIn,
    ScheduleIn,
    SettingsIn,
    TimeOffIn,
)
from imsclinic.scheduling.times import BadLocalTime, as_utc, zone

SLOT_STEPS = (5, 10, 15, 20, 30, 60)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ADMIN_ONLY = "Only a clinic admin can change the calendar's set-up."


@transaction.atomic
def settings_save(*, actor: Actor, data: SettingsIn) -> SchedulingSettings:
    require_role(actor, ADMINS, _ADMIN_ONLY)
    problems = Problems()
    try:
        zone(data.time_zone)
    except ValueError as exc:
        problems.add("time_zone", "unknown", str(exc))
    if data.slot_step_minutes not in SLOT_STEPS:
        problems.add(
            "slot_step_minutes",
            "invalid",
            f"Slots start every {', '.join(map(str, SLOT_STEPS))} minutes; choose one.",
        )
    if not 0 <= data.online_min_notice_hours <= 336:
        problems.add(
            "online_min_notice_hours",
            "out_of_range",
            "Minimum notice is 0 to 336 hours (two weeks).",
        )
    if not 1 <= data.online_max_days_ahead <= 365:
        problems.add(
            "online_max_days_ahead", "out_of_range", "Patients may book 1 to 365 days ahead."
        )
    if not 0 <= data.reminder_hours_before <= 168:
        problems.add(
            "reminder_hours_before", "out_of_range", "Send reminders 0 (never) to 168 hours before."
        )
    if data.sms_reminders and not sms_available():
        problems.add(
            "sms_reminders",
            "no_provider",
            "No SMS provider is configured on this server (IMSCLINIC_SMS_BACKEND); ask your administrator.",
        )
    if data.reply_to_email:
        try:
            validate_email(data.reply_to_email)
        except DjangoValidationError:
            problems.add(
                "reply_to_email", "invalid", "Enter a valid e-mail address, or leave it empty."
            )
    problems.raise_if_any()
    row, _ = SchedulingSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
    values = data.model_dump()
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    row.save()
    forget_settings(actor.clinic)
    audit_record(actor=actor, action="change", obj=row, detail="fields: " + ", ".join(changed))
    return row


@transaction.atomic
def location_save(*, actor: Actor, data: LocationIn, location: Location | None = None) -> Location:
    require_role(actor, ADMINS, _ADMIN_ONLY)
    if not data.name.strip():
        raise RuleViolation("Name the location, e.g. 'Main clinic'.", code="required", field="name")
    target = location or Location(clinic=actor.clinic)
    target.name, target.address, target.active = (
        data.name.strip(),
        data.address.strip(),
        data.active,
    )
    target.save()
    audit_record(actor=actor, action="create" if location is None else "change", obj=target)
    return target


@transaction.atomic
def appointment_type_save(
    *, actor: Actor, data: AppointmentTypeIn, appointment_type: AppointmentType | None = None
) -> AppointmentType:
    require_role(actor, ADMINS, _ADMIN_ONLY)
    problems = Problems()
    if not data.name.strip():
        problems.add("name", "required", "Name the type, e.g. 'IMS treatment'.")
    if data.kind not in AppointmentType.Kind.values:
        problems.add(
            "kind", "invalid", f"Kind is one of: {', '.join(AppointmentType.Kind.values)}."
        )
    if not 5 <= data.minutes <= MAX_MINUTES or data.minutes % 5:
        problems.add(
            "minutes", "out_of_range", f"Length is 5 to {MAX_MINUTES} minutes, in steps of 5."
        )
    if not 0 <= data.position <= 999:
        problems.add("position", "out_of_range", "Position is 0 to 999.")
    problems.raise_if_any()
    target = appointment_type or AppointmentType(clinic=actor.clinic)
    for name, value in data.model_dump().items():
        setattr(target, name, value.strip() if isinstance(value, str) else value)
    target.save()
    audit_record(actor=actor, action="create" if appointment_type is None else "change", obj=target)
    return target


def _clinical(actor: Actor, practitioner: User) -> None:
    if practitioner.clinic_id != actor.clinic.pk or practitioner.role not in (
        Role.PRACTITIONER,
        Role.ADMIN,
    ):
        raise RuleViolation(
            "Choose a practitioner of this clinic.", code="unknown", field="practitioner_id"
        )


def _overlapping_pairs(items: list[tuple[int, dt.time, dt.time, int]]) -> list[tuple[int, int]]:
    """Index pairs of entries on the same weekday whose times overlap."""
    by_day: dict[int, list[tuple[dt.time, dt.time, int]]] = defaultdict(list)
    for weekday, starts, ends, index in items:
        by_day[weekday].append((starts, ends, index))
    pairs = []
    for entries in by_day.values():
        entries.sort()
        for (_a_start, a_end, a_index), (b_start, _b_end, b_index) in pairwise(entries):
            if b_start < a_end:
                pairs.append((a_index, b_index))
    return pairs


def _check_weekly(
    problems: Problems, prefix: str, rows: Sequence[HoursIn | BreakIn], what: str
) -> None:
    for index, row in enumerate(rows):
        if not 0 <= row.weekday <= 6:
            problems.add(
                f"{prefix}.{index}.weekday", "invalid", "Weekday is 0 (Monday) to 6 (Sunday)."
            )
        if row.ends <= row.starts:
            problems.add(
                f"{prefix}.{index}.ends", "before_start", f"{what} must end after it starts."
            )


@transaction.atomic
def schedule_save(*, actor: Actor, practitioner: User, data: ScheduleIn) -> PractitionerProfile:
    """Replace the practitioner's weekly hours and breaks (and the online-booking flag)."""
    require_role(actor, ADMINS, _ADMIN_ONLY)
    _clinical(actor, practitioner)
    problems = Problems()
    location_ids = set(
        Location.objects.filter(clinic=actor.clinic, active=True).values_list("id", flat=True)
    )
    _check_weekly(problems, "hours", data.hours, "Working hours")
    _check_weekly(problems, "breaks", data.breaks, "A break")
    for index, row in enumerate(data.hours):
        if row.location_id not in location_ids:
            problems.add(
                f"hours.{index}.location_id", "unknown", "Choose one of the clinic's locations."
            )
    for a, b in _overlapping_pairs(
        [(r.weekday, r.starts, r.ends, i) for i, r in enumerate(data.hours)]
    ):
        problems.add(
            f"hours.{b}.starts",
            "overlap",
            f"These hours overlap row {a + 1} on {WEEKDAYS[data.hours[b].weekday]}; one practitioner "
            "works in one place at a time.",
        )
    problems.raise_if_any()
    WorkingHours.objects.filter(clinic=actor.clinic, practitioner=practitioner).delete()
    WeeklyBreak.objects.filter(clinic=actor.clinic, practitioner=practitioner).delete()
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(
                clinic=actor.clinic,
                practitioner=practitioner,
                location_id=row.location_id,
                weekday=row.weekday,
                starts=row.starts,
                ends=row.ends,
            )
            for row in data.hours
        ]
    )
    WeeklyBreak.objects.bulk_create(
        [
            WeeklyBreak(
                clinic=actor.clinic,
                practitioner=practitioner,
                weekday=b.weekday,
                starts=b.starts,
                ends=b.ends,
                label=b.label.strip(),
            )
            for b in data.breaks
        ]
    )
    profile, _ = PractitionerProfile.objects.get_or_create(
        practitioner=practitioner, defaults={"clinic": actor.clinic}
    )
    if profile.bookable_online != data.bookable_online:
        profile.bookable_online = data.bookable_online
        profile.save(update_fields=["bookable_online", "updated_at"])
    audit_record(
        actor=actor,
        action="change",
        obj=profile,
        detail=f"schedule of practitioner {practitioner.pk}: {len(data.hours)} hours rows, {len(data.breaks)} breaks",
    )
    return profile


def _self_or_admin(actor: Actor, practitioner: User, what: str) -> None:
    if actor.user.pk != practitioner.pk and actor.role not in ADMINS:
        raise PermissionDenied(f"Only a clinic admin or the practitioner can {what}.")


@transaction.atomic
def time_off_add(
    *, actor: Actor, practitioner: User, data: TimeOffIn
) -> tuple[TimeOff, list[Appointment]]:
    """Record time off; returns the booked appointments that fall in it (to move)."""
    _self_or_admin(actor, practitioner, "record time off")
    _clinical(actor, practitioner)
    from imsclinic.scheduling.config import zone_for

    tz = zone_for(actor.clinic)
    problems = Problems()
    try:
        start = as_utc(data.starts_at, tz)
        end = as_utc(data.ends_at, tz)
    except BadLocalTime as exc:
        raise RuleViolation(str(exc), code="nonexistent_time", field="starts_at") from None
    if end <= start:
        problems.add("ends_at", "before_start", "Time off must end after it starts.")
    elif end - start > dt.timedelta(days=366):
        problems.add("ends_at", "too_long", "Record at most a year of time off at once.")
    if end < timezone.now() - dt.timedelta(days=30):
        problems.add("ends_at", "past", "This time off ended more than 30 days ago.")
    problems.raise_if_any()
    off = TimeOff.objects.create(
        clinic=actor.clinic,
        practitioner=practitioner,
        starts_at=start,
        ends_at=end,
        reason=data.reason.strip(),
        created_by=actor.user,
    )
    audit_record(actor=actor, action="create", obj=off, detail=f"practitioner {practitioner.pk}")
    affected = list(
        Appointment.objects.filter(
            clinic=actor.clinic,
            practitioner=practitioner,
            status=Appointment.Status.BOOKED,
            starts_at__lt=end,
            ends_at__gt=start,
        ).order_by("starts_at")
    )
    return off, affected


@transaction.atomic
def time_off_remove(*, actor: Actor, time_off: TimeOff) -> None:
    practitioner = time_off.practitioner
    _self_or_admin(actor, practitioner, "remove time off")
    audit_record(
        actor=actor,
        action="change",
        obj=time_off,
        detail=f"removed time off {time_off.starts_at:%Y-%m-%dT%H:%MZ}-{time_off.ends_at:%Y-%m-%dT%H:%MZ}",
    )
    TimeOff.objects.filter(clinic=actor.clinic, pk=time_off.pk).delete()


@transaction.atomic
def feed_issue(*, actor: Actor, practitioner: User) -> str:
    """A new private calendar-feed path for the practitioner (replaces the old one); the
    page makes it absolute with the address it was opened at. The token is in the
    returned path only; the database keeps its SHA-256."""
    _self_or_admin(actor, practitioner, "create the calendar feed link")
    _clinical(actor, practitioner)
    token = links.new_token()
    profile, _ = PractitionerProfile.objects.select_for_update().get_or_create(
        practitioner=practitioner, defaults={"clinic": actor.clinic}
    )
    profile.feed_token_hash = links.token_hash(token)
    profile.feed_issued_at = timezone.now()
    profile.save(update_fields=["feed_token_hash", "feed_issued_at", "updated_at"])
    audit_record(
        actor=actor,
        action="token_issue",
        obj=profile,
        detail=f"calendar feed of practitioner {practitioner.pk}",
    )
    from django.urls import reverse

    return reverse("calendar_feed", args=[token])


@transaction.atomic
def feed_revoke(*, actor: Actor, practitioner: User) -> None:
    _self_or_admin(actor, practitioner, "turn off the calendar feed")
    profile = (
        PractitionerProfile.objects.select_for_update().filter(practitioner=practitioner).first()
    )
    if profile is None or not profile.feed_token_hash:
        return
    profile.feed_token_hash = ""
    profile.save(update_fields=["feed_token_hash", "updated_at"])
    audit_record(
        actor=actor,
        action="token_revoke",
        obj=profile,
        detail=f"calendar feed of practitioner {practitioner.pk}",
    )

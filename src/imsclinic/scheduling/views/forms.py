"""Small helpers shared by the scheduling pages: form values to inputs, dates from the
query string, safe 'next' redirects, errors for templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from imsclinic.core.actors import Actor
from imsclinic.core.errors import DomainError, FieldProblem, PermissionDenied, ValidationProblem
from imsclinic.core.form_input import field_errors
from imsclinic.core.permissions import ADMINS, has_role
from imsclinic.scheduling.actions import BookingConflict
from imsclinic.scheduling.config import zone_for


def parse_day(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def parse_instant(value: str | None) -> dt.datetime | None:
    """An ISO instant from a link (``2026-03-03T16:00:00Z``); None if absent or bad."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def local_fields(moment: dt.datetime | None, tz: ZoneInfo) -> dict[str, str]:
    if moment is None:
        return {}
    local = moment.astimezone(tz)
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M")}


def wall_clock(values: dict[str, Any], prefix: str = "") -> str:
    """'YYYY-MM-DDTHH:MM' from a date and a time field (the clinic's wall-clock time)."""
    day = str(values.get(f"{prefix}date", "")).strip()
    time = str(values.get(f"{prefix}time", "")).strip()
    return f"{day}T{time}" if day and time else ""


def checkbox(post: QueryDict, name: str) -> bool:
    return post.get(name) in ("1", "on", "true")


def int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def errors_of(exc: DomainError) -> dict[str, str]:
    """A domain error as {field: message, "form": summary} for the templates."""
    if isinstance(exc, ValidationProblem):
        errors = field_errors(exc)
        # Date and time are entered separately: a start problem belongs to the time field.
        for name in ("starts_at", "first_start"):
            if name in errors:
                errors.setdefault("time", errors[name])
        errors["form"] = exc.message
        return errors
    errors = {"form": exc.message}
    field = getattr(exc, "field", None)
    if field:
        errors[field] = exc.message
        if field == "starts_at":
            errors["time"] = exc.message
    return errors


def conflicts_of(exc: DomainError) -> list[Any]:
    return exc.conflicts if isinstance(exc, BookingConflict) else []


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        and target.startswith("/")
    ):
        return target
    return fallback


def in_clinic_zone(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the page in the clinic's time zone (dates in templates, ``localdate``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, actor: Actor, *args: Any, **kwargs: Any) -> HttpResponse:
        with timezone.override(zone_for(actor.clinic)):
            return view(request, actor, *args, **kwargs)

    return wrapper


def appointment_label(appointment: Any, tz: Any) -> str:
    """'Name, Tue 3 Dec 09:30' for messages and the calendar's moving banner."""
    local = appointment.starts_at.astimezone(tz)
    who = appointment.patient.display_name if appointment.patient else "Online request"
    return f"{who}, {local:%a} {local.day} {local:%b %H:%M}"


def required(field: str, message: str) -> ValidationProblem:
    """A missing-choice problem on one field, in the one error shape."""
    return ValidationProblem([FieldProblem(field, "required", message)])


def may_manage_schedule(actor: Actor, practitioner_id: int) -> None:
    """A practitioner manages their own schedule; a clinic admin manages everyone's."""
    if actor.user.pk != practitioner_id and not has_role(actor.role, ADMINS):
        raise PermissionDenied("Only a clinic admin or the practitioner can open this schedule.")

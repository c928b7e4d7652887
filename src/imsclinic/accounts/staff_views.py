"""Admin > Practitioners: the clinic's staff, their roles, credentials and needling
authorizations, and account recovery (unlock, reset two-step login). Admins only; each
page calls the audited actions in accounts/actions/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from imsclinic.accounts import actions, selectors
from imsclinic.accounts.models import NeedlingAuthorization, Role, User
from imsclinic.core.actors import Actor
from imsclinic.core.errors import DomainError, NotFound, Problems, ValidationProblem
from imsclinic.core.form_input import field_errors
from imsclinic.core.permissions import ADMINS
from imsclinic.core.web import clinic_view

_NEW_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "profession",
    "designation",
    "registration_number",
    "regulatory_body",
)
_CREDENTIAL_FIELDS = ("profession", "designation", "registration_number", "regulatory_body")
_AUTHORIZATION_FIELDS = ("kind", "reference", "issuer", "valid_from", "valid_until")


def _errors(exc: DomainError) -> dict[str, str]:
    errors = field_errors(exc) if isinstance(exc, ValidationProblem) else {}
    errors["form"] = exc.message
    return errors


def _date(problems: Problems, name: str, value: str, *, required: bool) -> dt.date | None:
    value = value.strip()
    if not value:
        if required:
            problems.add(name, "required", "Enter a date as YYYY-MM-DD.")
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        problems.add(name, "date_parsing", "Enter a date as YYYY-MM-DD.")
        return None
    if not dt.date(1900, 1, 1) <= day <= dt.date(2200, 12, 31):
        problems.add(name, "out_of_range", "Enter a date between 1900-01-01 and 2200-12-31.")
        return None
    return day


@clinic_view(roles=ADMINS)
def staff_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "accounts/staff_list.html",
        {"rows": selectors.staff_list(actor=actor, day=today), "today": today},
    )


@sensitive_post_parameters("password")
@clinic_view(roles=ADMINS)
def staff_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    values: dict[str, str] = {"role": Role.PRACTITIONER}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "")[:300] for name in _NEW_FIELDS}
        try:
            user = actions.staff_create(
                actor=actor, password=request.POST.get("password", ""), **values
            )
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(
                request,
                f"Account {user.username} created. Give them the password to log in, "
                "then record their authorizations below.",
            )
            return redirect("staff_detail", user_id=user.pk)
    return render(
        request,
        "accounts/staff_new.html",
        {"values": values, "errors": errors, "roles": Role.choices},
        status=422 if errors else 200,
    )


@clinic_view(roles=ADMINS)
def staff_detail(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    """One person: credentials, role, active, authorizations, lockout and two-step login.
    Each form posts an ``op`` to this page."""
    member = selectors.staff_member(actor=actor, user_id=user_id)
    errors: dict[str, str] = {}
    op = request.POST.get("op", "") if request.method == "POST" else ""
    posted: dict[str, str] = {}
    if op:
        posted = {key: request.POST.get(key, "")[:300] for key in request.POST}
        try:
            done = _apply(actor, member, op, posted)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, done)
            return redirect("staff_detail", user_id=member.pk)
    today = timezone.localdate()
    authorizations = list(
        NeedlingAuthorization.objects.filter(clinic=actor.clinic, practitioner=member).order_by(
            "kind", "-valid_from"
        )
    )
    context: dict[str, Any] = {
        "member": member,
        "errors": errors,
        "op": op,
        "roles": Role.choices,
        "kinds": NeedlingAuthorization.Kind.choices,
        "authorizations": authorizations,
        "coverage": selectors.coverage_of(member, authorizations, today),
        "locked": bool(selectors.locked_usernames([member.username])),
        "today": today,
        "credentials": {
            name: posted.get(name, getattr(member, name))
            if op == "credentials"
            else getattr(member, name)
            for name in _CREDENTIAL_FIELDS
        },
        "new_authorization": {name: posted.get(name, "") for name in _AUTHORIZATION_FIELDS}
        if op == "authorization"
        else {"valid_from": today.isoformat()},
    }
    return render(request, "accounts/staff_detail.html", context, status=422 if errors else 200)


def _apply(actor: Actor, member: User, op: str, posted: dict[str, str]) -> str:
    """Run the action the form named; returns the confirmation to show."""
    name = member.display_name
    if op == "credentials":
        actions.user_credentials_update(
            actor=actor, user=member, **{f: posted.get(f, "") for f in _CREDENTIAL_FIELDS}
        )
        return f"Professional details of {name} saved."
    if op == "role":
        actions.staff_role_change(actor=actor, user=member, role=posted.get("role", ""))
        return f"{name} is now {member.get_role_display()}."
    if op in ("deactivate", "activate"):
        actions.staff_set_active(actor=actor, user=member, active=op == "activate")
        return f"{name}'s account is {'active' if op == 'activate' else 'deactivated'}."
    if op == "authorization":
        problems = Problems()
        valid_from = _date(problems, "valid_from", posted.get("valid_from", ""), required=True)
        valid_until = _date(problems, "valid_until", posted.get("valid_until", ""), required=False)
        problems.raise_if_any()
        assert valid_from is not None
        actions.authorization_record(
            actor=actor,
            practitioner=member,
            kind=posted.get("kind", ""),
            reference=posted.get("reference", ""),
            issuer=posted.get("issuer", ""),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        return f"Authorization recorded for {name}."
    if op == "revoke":
        problems = Problems()
        revoked_on = _date(problems, "revoked_on", posted.get("revoked_on", ""), required=True)
        problems.raise_if_any()
        assert revoked_on is not None
        authorization = selectors.authorization_of(
            actor=actor, authorization_id=posted.get("authorization_id", "")
        )
        if authorization.practitioner_id != member.pk:
            raise NotFound(f"Authorization {authorization.pk} not found.")
        actions.authorization_revoke(
            actor=actor, authorization=authorization, revoked_on=revoked_on
        )
        return f"Authorization {authorization.reference} revoked from {revoked_on:%Y-%m-%d}."
    if op == "unlock":
        actions.account_unlock(actor=actor, user=member)
        return f"{name} can log in again now."
    if op == "mfa_reset":
        actions.mfa_reset(actor=actor, user=member)
        return f"Two-step login of {name} removed: they log in with their password and set it up again."
    problems = Problems()
    problems.add("op", "unknown", "Unknown change: reload the page and try again.")
    problems.raise_if_any()
    return ""


@clinic_view(roles=ADMINS)
def clinic_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The clinic's name, logo for PDFs and required two-step login; the time zone, the
    jurisdiction and the address are edited on the calendar's and billing's pages."""
    clinic = actor.clinic
    values: dict[str, Any] = {"name": clinic.name, "require_mfa": clinic.require_mfa}
    errors: dict[str, str] = {}
    op = request.POST.get("op", "") if request.method == "POST" else ""
    try:
        if op == "settings":
            values = {
                "name": request.POST.get("name", "")[:300],
                "require_mfa": request.POST.get("require_mfa") in ("1", "on"),
            }
            actions.clinic_rename(actor=actor, name=values["name"])
            actions.clinic_require_mfa(actor=actor, required=values["require_mfa"])
            messages.success(request, "Clinic settings saved.")
            return redirect("clinic_settings")
        if op == "logo":
            upload = request.FILES.get("logo")
            data = upload.read(actions.LOGO_MAX_BYTES + 1) if upload is not None else b""
            actions.clinic_logo_set(actor=actor, data=data)
            messages.success(request, "Logo saved: it prints on reports from now on.")
            return redirect("clinic_settings")
        if op == "logo_remove":
            actions.clinic_logo_set(actor=actor, data=None)
            messages.success(request, "Logo removed.")
            return redirect("clinic_settings")
    except DomainError as exc:
        errors = _errors(exc)
    return render(
        request,
        "accounts/clinic_settings.html",
        {
            "values": values,
            "errors": errors,
            "logo_uri": actions.clinic_logo_uri(clinic),
            "logo_kb": actions.LOGO_MAX_BYTES // 1024,
            "logo_px": actions.LOGO_MAX_PIXELS,
        },
        status=422 if errors else 200,
    )

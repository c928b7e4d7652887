"""Accounts panels on other apps' pages: Today's warning of needling authorizations that
run out within 30 days (or have run out)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from imsclinic.accounts.selectors import EXPIRY_WARNING_DAYS, expiring_coverage
from imsclinic.core.permissions import ADMINS, CLINICAL

register = template.Library()


@register.inclusion_tag("accounts/_authorization_warnings.html", takes_context=True)
def authorization_warnings(context: template.Context) -> dict[str, Any]:
    """Admins see every clinician's; a practitioner sees their own; front desk nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.clinic is None:
        return {"rows": []}
    if user.role not in CLINICAL:
        return {"rows": []}
    today = timezone.localdate()
    admin = user.role in ADMINS
    rows = expiring_coverage(clinic=user.clinic, day=today, practitioner=None if admin else user)
    return {
        "rows": [(c, c.days_left(today)) for c in rows],
        "admin": admin,
        "days": EXPIRY_WARNING_DAYS,
    }


@register.simple_tag
def clinic_logo(clinic: Any, height: int = 40) -> str:
    """The clinic's logo as an <img> (a data: URI, so PDFs need no file access), or ''."""
    from django.utils.html import format_html

    from imsclinic.accounts.actions import clinic_logo_uri

    uri = clinic_logo_uri(clinic) if clinic is not None else ""
    if not uri:
        return ""
    return format_html(
        '<img class="clinic-logo" src="{}" alt="{}" height="{}">', uri, clinic.name, height
    )

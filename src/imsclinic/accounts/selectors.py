"""Reads for staff and their authorizations."""

from __future__ import annotations

import datetime as dt

from imsclinic.accounts.models import NeedlingAuthorization, User


def authorizations_current_on(practitioner: User, day: dt.date) -> dict[str, NeedlingAuthorization]:
    """Kind -> the authorization of that kind that is current on ``day``."""
    current: dict[str, NeedlingAuthorization] = {}
    for authorization in NeedlingAuthorization.objects.filter(practitioner=practitioner):
        if authorization.is_current_on(day):
            current.setdefault(authorization.kind, authorization)
    return current

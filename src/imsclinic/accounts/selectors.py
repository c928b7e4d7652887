"""Reads for staff and their authorizations."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from imsclinic.accounts.models import NeedlingAuthorization, User


def authorizations_current_on(practitioner: User, day: dt.date) -> dict[str, NeedlingAuthorization]:
    """Kind -> the authorization of that kind that is current on ``day``."""
    current: dict[str, NeedlingAuthorization] = {}
    for authorization in NeedlingAuthorization.objects.filter(practitioner=practitioner):
        if authorization.is_current_on(day):
            current.setdefault(authorization.kind, authorization)
    return current


def authorization_kinds_current_on(practitioner: User, day: dt.date) -> set[str]:
    """The kinds of authorization current on ``day``, decided in one small SQL query."""
    return set(
        NeedlingAuthorization.objects.filter(practitioner=practitioner, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))
        .order_by()
        .values_list("kind", flat=True)
    )


def authorizations_of(practitioner: User) -> list[NeedlingAuthorization]:
    return list(NeedlingAuthorization.objects.filter(practitioner=practitioner))

"""Reads for staff and their authorizations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from imsclinic.accounts.models import LoginAttempt, NeedlingAuthorization, User
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.core.tenancy import get_for_clinic

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor


def authorizations_current_on(practitioner: User, day: dt.date) -> dict[str, NeedlingAuthorization]:
    """Kind -> the authorization of that kind that is current on ``day``."""
    current: dict[str, NeedlingAuthorization] = {}
    for authorization in NeedlingAuthorization.objects.filter(practitioner=practitioner):
        if authorization.is_current_on(day):
            current.setdefault(authorization.kind, authorization)
    return current


# Staff administration and authorization expiry ------------------------------------------

# How far ahead Today and the e-mail warn that a needling authorization runs out.
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Coverage:
    """One required kind of authorization for one practitioner: until when it is covered
    (by the current authorization reaching furthest), or ``lapsed``."""

    practitioner: User
    kind: str
    label: str
    authorization: NeedlingAuthorization | None  # the one reaching furthest, if current
    until: dt.date | None  # None with an authorization: no expiry

    @property
    def lapsed(self) -> bool:
        return self.authorization is None

    def days_left(self, day: dt.date) -> int | None:
        return None if self.until is None else (self.until - day).days


def _kinds() -> dict[str, str]:
    return dict(NeedlingAuthorization.Kind.choices)


def coverage_of(
    practitioner: User, authorizations: list[NeedlingAuthorization], day: dt.date
) -> list[Coverage]:
    """Per kind: the current authorization that lasts longest (no expiry beats any date)."""
    rows = []
    for kind, label in _kinds().items():
        best: NeedlingAuthorization | None = None
        for authorization in authorizations:
            if authorization.kind != kind or not authorization.is_current_on(day):
                continue
            if best is None or _reach(authorization) > _reach(best):
                best = authorization
        until = None
        if best is not None:
            reach = _reach(best)
            # A renewal starting by the day after this one ends continues the coverage.
            extended = True
            while extended and reach != dt.date.max:
                extended = False
                for later in authorizations:
                    if (
                        later.kind == kind
                        and later.valid_from <= reach + dt.timedelta(days=1)
                        and _reach(later) > reach
                    ):
                        reach, extended = _reach(later), True
            until = None if reach == dt.date.max else reach
        rows.append(Coverage(practitioner, kind, label, best, until))
    return rows


def _day_before(day: dt.date | None) -> dt.date | None:
    return day - dt.timedelta(days=1) if day is not None else None


def _reach(authorization: NeedlingAuthorization) -> dt.date:
    ends = [d for d in (authorization.valid_until, _day_before(authorization.revoked_on)) if d]
    return min(ends) if ends else dt.date.max


@dataclass(frozen=True)
class StaffRow:
    user: User
    coverage: list[Coverage]
    locked: bool

    @property
    def authorized(self) -> bool:
        return all(not c.lapsed for c in self.coverage)


def staff_list(*, actor: Actor, day: dt.date) -> list[StaffRow]:
    """Everyone of the clinic, active first, with authorization coverage and lockout
    state: three queries whatever the number of staff."""
    require_role(actor, ADMINS)
    users = list(
        User.objects.filter(clinic=actor.clinic)
        .prefetch_related("authorizations")
        .order_by("-is_active", "last_name", "first_name", "username")
    )
    locked = locked_usernames([u.username for u in users])
    return [
        StaffRow(
            user,
            coverage_of(user, list(user.authorizations.all()), day) if user.is_clinical else [],
            user.username.lower() in locked,
        )
        for user in users
    ]


def locked_usernames(usernames: list[str]) -> set[str]:
    """The usernames locked out now: as many failed attempts in the window as the
    per-username limit (the same settings the login's lockout reads)."""
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    max_failures = int(getattr(settings, "IMSCLINIC_LOGIN_MAX_FAILURES", 5))
    window = dt.timedelta(seconds=int(getattr(settings, "IMSCLINIC_LOGIN_WINDOW_SECONDS", 900)))
    rows = (
        LoginAttempt.objects.filter(
            at__gte=timezone.now() - window,
            succeeded=False,
            username__in=[u.lower()[:150] for u in usernames],
        )
        .values("username")
        .annotate(n=Count("id"))
        .filter(n__gte=max_failures)
    )
    return {row["username"] for row in rows}


def staff_member(*, actor: Actor, user_id: object) -> User:
    require_role(actor, ADMINS)
    return get_for_clinic(User.objects.all(), actor.clinic, user_id, "User")


def authorization_of(*, actor: Actor, authorization_id: object) -> NeedlingAuthorization:
    require_role(actor, ADMINS)
    return get_for_clinic(
        NeedlingAuthorization.objects.select_related("practitioner"),
        actor.clinic,
        authorization_id,
        "Authorization",
    )


def expiring_coverage(
    *, clinic: Clinic, day: dt.date, practitioner: User | None = None
) -> list[Coverage]:
    """Active clinicians' authorizations that end within EXPIRY_WARNING_DAYS of ``day``
    (with nothing current to follow), or that have lapsed; one practitioner's, or all."""
    users = User.objects.filter(clinic=clinic, is_active=True, role__in=sorted(CLINICAL))
    if practitioner is not None:
        users = users.filter(pk=practitioner.pk)
    horizon = day + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    found = []
    for user in users.prefetch_related("authorizations"):
        authorizations = list(user.authorizations.all())
        if user.role == "admin" and not authorizations:
            continue  # an admin who does not needle
        for coverage in coverage_of(user, authorizations, day):
            if coverage.lapsed or (coverage.until is not None and coverage.until <= horizon):
                found.append(coverage)
    return found

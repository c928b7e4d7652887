"""API bearer tokens: issued after the same login steps as the page, looked up on every API request, revoked one by one or all at once."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from imsclinic.accounts.actions.login import (
    SecondFactorRequired,
    _clinic_requires_mfa,
    password_check,
    second_factor_check,
)
from imsclinic.accounts.models import (
    ApiToken,
    User,
)
from imsclinic.core import rawsql
from imsclinic.core.audit import audit_account_event
from imsclinic.core.models import Clinic


def _hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(
    *, username: str, password: str, otp: str = "", address: str | None = None
) -> tuple[str, ApiToken]:
    """A bearer token for the API: the same lockout and second factor as the login page."""
    user = password_check(username=username, password=password, address=address, source="api")
    second_factor = False
    if user.has_mfa or _clinic_requires_mfa(user):
        if not user.has_mfa:
            raise SecondFactorRequired(
                "This clinic requires two-step login: enrol an authenticator on the "
                "'Two-step login' page first, then send its code as 'otp'."
            )
        if not otp:
            raise SecondFactorRequired(
                "This account uses two-step login: send the authenticator code as 'otp'."
            )
        second_factor_check(user=user, code=otp, address=address, source="api")
        second_factor = True
    return _token_create(user, second_factor=second_factor)


@transaction.atomic
def _token_create(user: User, *, second_factor: bool = False) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(hours=settings.IMSCLINIC_API_TOKEN_HOURS),
        second_factor=second_factor,
    )
    return key, token


@functools.cache
def _live_token_sql(vendor: str) -> str:
    tokens, t_user, t_key, t_revoked, t_expires = rawsql.quoted(
        ApiToken, "user", "key_hash", "revoked_at", "expires_at"
    )
    users, u_id, u_clinic = rawsql.quoted(User, "id", "clinic")
    clinics, c_id = rawsql.quoted(Clinic, "id")
    selected = ", ".join(
        rawsql.select_list(model, alias)
        for model, alias in ((ApiToken, "t"), (User, "u"), (Clinic, "c"))
    )
    return (
        f"SELECT {selected} FROM {tokens} t "  # noqa: S608
        f"JOIN {users} u ON u.{u_id} = t.{t_user} JOIN {clinics} c ON c.{c_id} = u.{u_clinic} "
        f"WHERE t.{t_key} = %s AND t.{t_revoked} IS NULL AND t.{t_expires} > %s"
    )


def _live_token(key_hash: str) -> ApiToken | None:
    """The unexpired, unrevoked token of ``key_hash`` with its user and the user's clinic
    loaded (what ``select_related("user", "user__clinic")`` gives; users without a clinic
    are left out: no token of theirs is valid). Hand-written: every API request asks it,
    and building the ORM query cost more than the rest of the check (docs/benchmarks.md)."""
    with connection.cursor() as cursor:
        now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM sends it
        cursor.execute(_live_token_sql(connection.vendor), [key_hash, now])
        row = cursor.fetchone()
    if row is None:
        return None
    token = rawsql.load(ApiToken, row)
    user = rawsql.load(User, row, len(ApiToken._meta.concrete_fields))
    clinic = rawsql.load(
        Clinic, row, len(ApiToken._meta.concrete_fields) + len(User._meta.concrete_fields)
    )
    User._meta.get_field("clinic").set_cached_value(user, clinic)
    ApiToken._meta.get_field("user").set_cached_value(token, user)
    return token


def token_user(key: str) -> User | None:
    """The active user behind a bearer token, or None if unknown, expired or revoked."""
    if not key or len(key) > 200:
        return None
    token = _live_token(_hash_token(key))
    if token is None or not token.user.is_active or token.user.clinic is None:
        return None
    if token.user.clinic.require_mfa and not token.second_factor:
        # Issued before the clinic required two-step login (or without it): never valid again.
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        return None
    return token.user


@transaction.atomic
def token_revoke(*, key: str, address: str | None = None) -> bool:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return False
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    audit_account_event(
        action="token_revoke",
        username=token.user.username,
        user=token.user,
        source="api",
        address=address,
        detail=f"token {token.prefix}",
    )
    return True


def tokens_revoke_all(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )

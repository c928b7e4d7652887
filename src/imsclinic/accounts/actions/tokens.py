"""API bearer tokens: issued after the same login steps as the page, looked up on every API request, revoked one by one or all at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
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
from imsclinic.core.audit import audit_account_event


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


def token_user(key: str) -> User | None:
    """The active user behind a bearer token, or None if unknown, expired or revoked."""
    if not key or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__clinic")
        .filter(key_hash=_hash_token(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
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

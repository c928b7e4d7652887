"""The password step and the second step of logging in, with lockout: shared by the login page and the API token route."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import pyotp
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from imsclinic.accounts import throttle
from imsclinic.accounts.models import (
    RecoveryCode,
    User,
)
from imsclinic.core.audit import audit_account_event
from imsclinic.core.errors import DomainError

_LOCKED_MESSAGE = (
    "Too many failed attempts: login is locked for 15 minutes for this account. "
    "Wait, then try again, or ask your clinic admin to check the account."
)


class AuthenticationFailed(DomainError):
    status = 401
    code = "authentication_failed"


class AccountLocked(DomainError):
    """Too many failed attempts for this username (locked), or from this address (slowed
    down: ``code`` "slow_down"). ``retry_after``: seconds until an attempt may be made."""

    status = 429
    code = "locked"

    def __init__(self, message: str, *, code: str | None = None, retry_after: int = 0) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class SecondFactorRequired(DomainError):
    status = 401
    code = "mfa_required"


def login_locked(*, username: str, address: str | None) -> bool:
    """Whether an attempt for this username from this address would be refused now."""
    return throttle.refusal(username, address) is not None


def _refused(refusal: throttle.Refusal) -> AccountLocked:
    if refusal.locked:
        return AccountLocked(_LOCKED_MESSAGE, retry_after=refusal.retry_after)
    return AccountLocked(
        "Too many failed logins from this network: wait "
        f"{refusal.retry_after} second{'s' if refusal.retry_after != 1 else ''}, then try again.",
        code="slow_down",
        retry_after=refusal.retry_after,
    )


def _reserve(username: str, address: str | None, stage: str, source: str, user: Any) -> int:
    """An attempt slot under the lockout rules, or AccountLocked (audited)."""
    attempt_id, refusal = throttle.reserve(username, address, stage)
    if refusal is not None:
        audit_account_event(
            action="login_failed",
            username=username,
            user=user,
            source=source,
            address=address,
            outcome="denied",
            detail="locked out" if refusal.locked else f"slowed down: {refusal.retry_after} s",
        )
        raise _refused(refusal)
    assert attempt_id is not None
    return attempt_id


def password_check(
    *, username: str, password: str, address: str | None, source: str = "page"
) -> User:
    """The active clinic user with this username and password, or AccountLocked /
    AuthenticationFailed. Every failure is recorded and audited (``login_failed``).

    The attempt is counted before the password is checked (accounts/throttle.py), so
    parallel requests cannot check more passwords than the lockout allows."""
    attempt_id = _reserve(username, address, "password", source, None)
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active or getattr(user, "clinic", None) is None:
        known = User.objects.filter(username=username).first()
        audit_account_event(
            action="login_failed",
            username=username,
            user=known,
            source=source,
            address=address,
            outcome="denied",
            detail="wrong username or password",
        )
        refusal = throttle.refusal(username, address)
        if refusal is not None and refusal.locked:
            raise _refused(refusal)
        raise AuthenticationFailed("Username or password is wrong, or the account is inactive.")
    throttle.succeeded(attempt_id)
    assert isinstance(user, User)
    return user


def _clinic_requires_mfa(user: User) -> bool:
    return bool(user.clinic and user.clinic.require_mfa)


def login_needs_second_factor(user: User) -> bool:
    return user.has_mfa


def login_succeeded(*, user: User, address: str | None, source: str = "page") -> None:
    audit_account_event(
        action="login", username=user.username, user=user, source=source, address=address
    )


def _recovery_hash(user: User, code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(f"{user.pk}:{normal}".encode()).hexdigest()


def _totp_step(user: User, code: str) -> int | None:
    """The time step the code belongs to (now, or one step either side), if it is valid."""
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for offset in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * offset)
        if secrets.compare_digest(totp.at(at), code):
            return totp.timecode(at)
    return None


def second_factor_check(*, user: User, code: str, address: str | None, source: str = "page") -> str:
    """Accept a current TOTP code (once) or an unused recovery code; returns which.

    A wrong code counts towards the lockout like a wrong password, and is counted before
    it is checked (accounts/throttle.py)."""
    attempt_id = _reserve(user.username, address, "mfa", source, user)
    used = _consume_second_factor(user, "".join(code.split()))
    if used == "recovery":
        audit_account_event(
            action="login",
            username=user.username,
            user=user,
            source=source,
            address=address,
            detail="recovery code used",
        )
    if used:
        throttle.succeeded(attempt_id)
        return used
    audit_account_event(
        action="login_failed",
        username=user.username,
        user=user,
        source=source,
        address=address,
        outcome="denied",
        detail="wrong second-factor code",
    )
    raise AuthenticationFailed(
        "That code is wrong or already used. Enter the 6-digit code your authenticator "
        "shows now, or one of your recovery codes."
    )


@transaction.atomic
def _consume_second_factor(user: User, code: str) -> str:
    locked_user = User.objects.select_for_update().get(pk=user.pk)
    if code.isdigit() and len(code) == 6 and locked_user.totp_secret:
        step = _totp_step(locked_user, code)
        if step is not None and step > locked_user.totp_last_step:
            User.objects.filter(pk=user.pk).update(totp_last_step=step)
            user.totp_last_step = step
            return "totp"
    elif len(code) >= 10:
        used = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            return "recovery"
    return ""

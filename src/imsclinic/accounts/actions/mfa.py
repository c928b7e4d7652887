"""A staff member's own two-step login and password: enrolling an authenticator, recovery codes, turning it off, changing the password."""

from __future__ import annotations

import secrets

import pyotp
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from imsclinic.accounts import throttle
from imsclinic.accounts.actions.login import (
    AuthenticationFailed,
    _clinic_requires_mfa,
    _recovery_hash,
    _reserve,
    password_check,
    second_factor_check,
)
from imsclinic.accounts.actions.tokens import tokens_revoke_all
from imsclinic.accounts.models import (
    RecoveryCode,
    User,
)
from imsclinic.core.audit import audit_account_event
from imsclinic.core.errors import DomainError, Problems

RECOVERY_CODE_COUNT = 10


def mfa_new_secret() -> str:
    return pyotp.random_base32()


def mfa_provisioning_uri(user: User, secret: str) -> str:
    issuer = f"IMS Clinic ({user.clinic})" if user.clinic else "IMS Clinic"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


def _new_recovery_code() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))  # 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _reauthenticate(
    problems: Problems, *, user: User, password: str, current_code: str, address: str | None
) -> None:
    """Someone with only a live session (an unlocked workstation) must not be able to swap
    the authenticator: ask for the password and a code of the current authenticator (or a
    recovery code). Both count towards the lockout like a login."""
    attempt_id = _reserve(user.username, address, "password", "page", user)
    if user.check_password(password):
        throttle.succeeded(attempt_id)
    else:
        audit_account_event(
            action="login_failed",
            username=user.username,
            user=user,
            address=address,
            outcome="denied",
            detail="wrong password to change two-step login",
        )
        problems.add("password", "wrong", "Your password is wrong.")
        return  # no code is checked (or used up) without the password
    if not current_code.strip():
        problems.add(
            "current_code",
            "required",
            "Enter the code your current authenticator shows, or one of your recovery codes.",
        )
        return
    try:
        second_factor_check(user=user, code=current_code, address=address)
    except AuthenticationFailed as exc:
        problems.add("current_code", "wrong_code", exc.message)


def mfa_enrol(
    *,
    user: User,
    secret: str,
    code: str,
    address: str | None,
    password: str = "",
    current_code: str = "",
) -> list[str]:
    """Confirm an authenticator with a code it shows; returns the one-time recovery codes
    (shown once, only their hashes are kept). Re-enrolling replaces secret and codes, and
    needs the password and a code of the current authenticator (or a recovery code)."""
    problems = Problems()
    if user.has_mfa:
        _reauthenticate(
            problems, user=user, password=password, current_code=current_code, address=address
        )
    code = "".join(code.split())
    totp = pyotp.TOTP(secret)
    if not (code.isdigit() and len(code) == 6 and totp.verify(code, valid_window=1)):
        problems.add(
            "code", "wrong_code", "That code does not match: enter the 6 digits the app shows now."
        )
    problems.raise_if_any()
    return _mfa_store(user=user, secret=secret, totp=totp, address=address)


@transaction.atomic
def _mfa_store(*, user: User, secret: str, totp: pyotp.TOTP, address: str | None) -> list[str]:
    user.totp_secret = secret
    user.mfa_enrolled_at = timezone.now()
    user.totp_last_step = totp.timecode(timezone.now())
    user.save(update_fields=["totp_secret", "mfa_enrolled_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes
    )
    audit_account_event(action="mfa_enrol", username=user.username, user=user, address=address)
    return codes


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, address: str | None
) -> User:
    """Change the password. Every other session ends (Django checks each session's
    password-derived hash; the caller keeps its own with update_session_auth_hash) and
    every API token is revoked."""
    problems = Problems()
    if not user.check_password(old_password):
        problems.add("old_password", "wrong", "Your current password is wrong.")
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        problems.add("new_password", "weak", " ".join(exc.messages))
    problems.raise_if_any()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = tokens_revoke_all(user=user)
    audit_account_event(
        action="password_change",
        username=user.username,
        user=user,
        address=address,
        detail=f"{revoked} API tokens revoked",
    )
    return user


def _mfa_clear(user: User) -> None:
    user.totp_secret = ""
    user.mfa_enrolled_at = None
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "mfa_enrolled_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()


def mfa_disable(*, user: User, password: str, code: str, address: str | None) -> User:
    """The user turns off their own two-step login with their password and a current code
    (or a recovery code); refused when the clinic requires two-step login."""
    problems = Problems()
    if _clinic_requires_mfa(user):
        problems.add(
            "form",
            "required_by_clinic",
            "Your clinic requires two-step login: it cannot be turned off. To move it to a "
            "new phone, set it up again below.",
        )
        problems.raise_if_any()
    if not user.has_mfa:
        problems.add("form", "not_enrolled", "Two-step login is not turned on for this account.")
        problems.raise_if_any()
    try:
        # Through the login's own check, so a wrong password counts towards the lockout.
        password_check(username=user.username, password=password, address=address)
    except DomainError as exc:
        problems.add("password", "wrong", exc.message)
        problems.raise_if_any()
    try:
        second_factor_check(user=user, code=code, address=address)
    except AuthenticationFailed as exc:
        problems.add("code", "wrong_code", exc.message)
        problems.raise_if_any()
    with transaction.atomic():
        _mfa_clear(user)
        audit_account_event(
            action="mfa_disable", username=user.username, user=user, address=address
        )
    return user

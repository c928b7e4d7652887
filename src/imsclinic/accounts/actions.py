"""Writes for staff accounts, authorizations and tokens.

Size: one room's writes that share the login-attempt and token helpers (password step,
two-step login, lockout, tokens, users, authorizations); to be split by topic like
charting/actions/ when the admin pages add more.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.utils import timezone

from imsclinic.accounts import throttle
from imsclinic.accounts.models import (
    ApiToken,
    LoginAttempt,
    NeedlingAuthorization,
    RecoveryCode,
    Role,
    User,
)
from imsclinic.core import rawsql
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_account_event, audit_record
from imsclinic.core.errors import DomainError, NotFound, Problems, ValidationProblem
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import ADMINS, require_role


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


def clinic_create(*, name: str, slug: str) -> Clinic:
    problems = Problems()
    if not name.strip():
        problems.add("name", "required", "Give the clinic a name.")
    if not slug or not slug.replace("-", "").isalnum():
        problems.add("slug", "invalid", "Slug: letters, digits and hyphens only, e.g. 'bow-river'.")
    elif Clinic.objects.filter(slug=slug).exists():
        problems.add("slug", "taken", f"A clinic with slug '{slug}' exists; choose another.")
    problems.raise_if_any()
    return Clinic.objects.create(name=name.strip(), slug=slug)


def user_create(
    *,
    clinic: Clinic,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    profession: str = "",
    registration_number: str = "",
    designation: str = "",
    regulatory_body: str = "",
    email: str = "",
    check_password: bool = True,
    dry_run: bool = False,
) -> User:
    """A new account; ``dry_run`` only checks (and raises its problems, or returns an
    unsaved user)."""
    problems = Problems()
    _check_credentials(problems, designation, registration_number, regulatory_body)
    if role not in Role.values:
        problems.add("role", "invalid", f"Role must be one of: {', '.join(Role.values)}.")
    if not username.strip():
        problems.add("username", "required", "Choose a username.")
    elif User.objects.filter(username=username).exists():
        problems.add("username", "taken", f"Username '{username}' is taken; choose another.")
    if check_password:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            problems.add("password", "weak", " ".join(exc.messages))
    problems.raise_if_any()
    user = User(
        clinic=clinic,
        username=username.strip(),
        role=role,
        first_name=first_name,
        last_name=last_name,
        profession=profession,
        registration_number=registration_number.strip(),
        designation=designation.strip(),
        regulatory_body=regulatory_body.strip(),
        email=email.strip(),
    )
    if dry_run:
        return user
    user.set_password(password)
    user.save()
    return user


def _check_credentials(
    problems: Problems, designation: str, registration_number: str, regulatory_body: str
) -> None:
    """The receipt fields of a practitioner, checked by the model's own validators."""
    from imsclinic.accounts.models import designation_validator, registration_validator

    for name, value, validator in (
        ("designation", designation.strip(), designation_validator),
        ("registration_number", registration_number.strip(), registration_validator),
    ):
        if not value:
            continue
        try:
            validator(value)
        except DjangoValidationError as exc:
            problems.add(name, "invalid", " ".join(exc.messages))
    if len(regulatory_body.strip()) > 120:
        problems.add(
            "regulatory_body", "too_long", "Name the regulator in 120 characters or fewer."
        )


@transaction.atomic
def user_credentials_update(
    *,
    actor: Actor,
    user: User,
    profession: str,
    designation: str,
    registration_number: str,
    regulatory_body: str,
) -> User:
    """What receipts and reports print under a practitioner's name. Clinic admins only."""
    from imsclinic.core.audit import audit_record
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    if user.clinic_id != actor.clinic.pk:
        raise NotFound(f"User {user.pk} not found.")
    problems = Problems()
    _check_credentials(problems, designation, registration_number, regulatory_body)
    if len(profession.strip()) > 60:
        problems.add("profession", "too_long", "Name the profession in 60 characters or fewer.")
    problems.raise_if_any()
    user.profession = profession.strip()
    user.designation = designation.strip()
    user.registration_number = registration_number.strip()
    user.regulatory_body = regulatory_body.strip()
    user.save(update_fields=["profession", "designation", "registration_number", "regulatory_body"])
    audit_record(actor=actor, action="change", obj=user, detail="professional credentials")
    return user


def authorization_add(
    *,
    practitioner: User,
    kind: str,
    reference: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    issuer: str = "",
) -> NeedlingAuthorization:
    problems = Problems()
    if kind not in NeedlingAuthorization.Kind.values:
        problems.add(
            "kind",
            "invalid",
            f"Kind must be one of: {', '.join(NeedlingAuthorization.Kind.values)}.",
        )
    if not reference.strip():
        problems.add("reference", "required", "Enter the certificate or permit number.")
    if valid_until is not None and valid_until < valid_from:
        problems.add(
            "valid_until", "before_start", "Expiry date must be on or after the start date."
        )
    if practitioner.clinic is None:
        problems.add("practitioner", "no_clinic", "The practitioner must belong to a clinic.")
    problems.raise_if_any()
    assert practitioner.clinic is not None
    return NeedlingAuthorization.objects.create(
        clinic=practitioner.clinic,
        practitioner=practitioner,
        kind=kind,
        reference=reference.strip(),
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
    )


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


@transaction.atomic
def clinic_require_mfa(*, actor: Actor, required: bool) -> Clinic:
    """Turn the clinic's two-step login requirement on or off (clinic admins). Turning it
    on revokes every API token of the clinic's staff issued without a second factor, and
    sends staff without an authenticator to enrol at their next page."""
    require_role(actor, ADMINS)
    clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    revoked = 0
    if required and not clinic.require_mfa:
        revoked = ApiToken.objects.filter(
            user__clinic=clinic, second_factor=False, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    clinic.require_mfa = required
    clinic.save(update_fields=["require_mfa"])
    actor.clinic.require_mfa = required
    audit_record(
        actor=actor,
        action="change",
        obj=clinic,
        detail=f"two-step login {'required' if required else 'optional'}; "
        f"{revoked} API tokens revoked",
    )
    return clinic


def tokens_revoke_all(*, user: User) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# Login: lockout, password, second factor ------------------------------------------------
# The rules and why: accounts/throttle.py.


def login_locked(*, username: str, address: str | None) -> bool:
    """Whether an attempt for this username from this address would be refused now."""
    return throttle.refusal(username, address) is not None


_LOCKED_MESSAGE = (
    "Too many failed attempts: login is locked for 15 minutes for this account. "
    "Wait, then try again, or ask your clinic admin to check the account."
)


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


def mfa_new_secret() -> str:
    return pyotp.random_base32()


def mfa_provisioning_uri(user: User, secret: str) -> str:
    issuer = f"IMS Clinic ({user.clinic})" if user.clinic else "IMS Clinic"
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)


RECOVERY_CODE_COUNT = 10


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


# Staff administration (Admin > Practitioners): clinic admins only, every change audited ---


def _own_staff(actor: Actor, user: User) -> None:
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    if user.clinic_id != actor.clinic.pk:
        raise NotFound(f"User {user.pk} not found.")


@transaction.atomic
def staff_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    profession: str = "",
    designation: str = "",
    registration_number: str = "",
    regulatory_body: str = "",
) -> User:
    """A new account of the admin's clinic; the person changes the password after login."""
    from django.core.validators import validate_email

    from imsclinic.core.audit import audit_record
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    problems = Problems()
    if email.strip():
        try:
            validate_email(email.strip())
        except DjangoValidationError:
            problems.add("email", "invalid", "Enter an e-mail address like name@example.org.")
    for name, value, limit in (("first_name", first_name, 150), ("last_name", last_name, 150)):
        if len(value.strip()) > limit:
            problems.add(name, "too_long", f"Use {limit} characters or fewer.")
    if not last_name.strip():
        problems.add("last_name", "required", "Enter the family name.")
    fields: dict[str, Any] = {
        "clinic": actor.clinic,
        "username": username.strip(),
        "password": password,
        "role": role,
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "profession": profession.strip(),
        "designation": designation,
        "registration_number": registration_number,
        "regulatory_body": regulatory_body,
        "email": email,
    }
    if problems:
        # Report these together with user_create's own (username, password, credentials).
        try:
            user_create(**fields, dry_run=True)
        except ValidationProblem as exc:
            problems.items.extend(exc.problems)
        problems.raise_if_any()
    user = user_create(**fields)
    audit_record(actor=actor, action="create", obj=user, detail=f"account {user.username}, {role}")
    return user


def _other_admins(actor: Actor, user: User) -> bool:
    return (
        User.objects.filter(clinic=actor.clinic, role=Role.ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    )


@transaction.atomic
def staff_role_change(*, actor: Actor, user: User, role: str) -> User:
    from imsclinic.core.audit import audit_record

    _own_staff(actor, user)
    problems = Problems()
    if role not in Role.values:
        problems.add("role", "invalid", f"Role must be one of: {', '.join(Role.values)}.")
    elif user.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(actor, user):
        problems.add(
            "role",
            "last_admin",
            "This is the clinic's only active admin: make another person admin first.",
        )
    problems.raise_if_any()
    if role == user.role:
        return user
    before = user.role
    user.role = role
    user.save(update_fields=["role"])
    audit_record(actor=actor, action="change", obj=user, detail=f"role {before} -> {role}")
    return user


@transaction.atomic
def staff_set_active(*, actor: Actor, user: User, active: bool) -> User:
    """Deactivate (no login, API tokens revoked; the records they wrote stay theirs) or
    reactivate an account. An admin cannot deactivate their own account."""
    from imsclinic.core.audit import audit_record

    _own_staff(actor, user)
    if not active and user.pk == actor.user.pk:
        problems = Problems()
        problems.add("active", "self", "You cannot deactivate your own account: ask another admin.")
        problems.raise_if_any()
    if not active and user.role == Role.ADMIN and not _other_admins(actor, user):
        problems = Problems()
        problems.add(
            "active", "last_admin", "This is the clinic's only active admin: keep it active."
        )
        problems.raise_if_any()
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    detail = "reactivated"
    if not active:
        revoked = tokens_revoke_all(user=user)
        detail = f"deactivated, {revoked} API tokens revoked"
    audit_record(actor=actor, action="change", obj=user, detail=detail)
    return user


@transaction.atomic
def authorization_record(
    *,
    actor: Actor,
    practitioner: User,
    kind: str,
    reference: str,
    valid_from: dt.date,
    valid_until: dt.date | None,
    issuer: str = "",
) -> NeedlingAuthorization:
    """An admin records a practitioner's IMS certification or the regulator's
    authorization (``authorization_add`` checks it), audited."""
    from imsclinic.core.audit import audit_record

    _own_staff(actor, practitioner)
    if len(reference.strip()) > 60 or len(issuer.strip()) > 120:
        problems = Problems()
        if len(reference.strip()) > 60:
            problems.add("reference", "too_long", "Use 60 characters or fewer.")
        if len(issuer.strip()) > 120:
            problems.add("issuer", "too_long", "Use 120 characters or fewer.")
        problems.raise_if_any()
    authorization = authorization_add(
        practitioner=practitioner,
        kind=kind,
        reference=reference,
        valid_from=valid_from,
        valid_until=valid_until,
        issuer=issuer.strip(),
    )
    until = valid_until.isoformat() if valid_until else "no expiry"
    audit_record(
        actor=actor,
        action="create",
        obj=authorization,
        detail=f"{kind} for user {practitioner.pk}, {valid_from.isoformat()} to {until}",
    )
    return authorization


@transaction.atomic
def authorization_revoke(
    *, actor: Actor, authorization: NeedlingAuthorization, revoked_on: dt.date
) -> NeedlingAuthorization:
    from imsclinic.core.audit import audit_record

    _own_staff(actor, authorization.practitioner)
    if revoked_on < authorization.valid_from:
        problems = Problems()
        problems.add(
            "revoked_on", "before_start", "The revocation date must be on or after its start."
        )
        problems.raise_if_any()
    authorization.revoked_on = revoked_on
    authorization.save(update_fields=["revoked_on"])
    audit_record(
        actor=actor,
        action="change",
        obj=authorization,
        detail=f"revoked from {revoked_on.isoformat()}",
    )
    return authorization


@transaction.atomic
def account_unlock(*, actor: Actor, user: User) -> int:
    """End a lockout of this username now: its counted failures are cleared (each one
    stays in the audit trail as ``login_failed``). Returns how many were cleared."""
    from imsclinic.core.audit import audit_record

    _own_staff(actor, user)
    cleared, _ = LoginAttempt.objects.filter(
        username=user.username.lower()[:150], succeeded=False
    ).delete()
    audit_record(
        actor=actor, action="account_unlock", obj=user, detail=f"{cleared} failures cleared"
    )
    return cleared


def _mfa_clear(user: User) -> None:
    user.totp_secret = ""
    user.mfa_enrolled_at = None
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "mfa_enrolled_at", "totp_last_step"])
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def mfa_reset(*, actor: Actor, user: User) -> User:
    """An admin removes a user's authenticator and recovery codes (a lost phone). The user
    signs in with the password and, if the clinic requires it, enrols again at once."""
    from imsclinic.core.audit import audit_record

    _own_staff(actor, user)
    _mfa_clear(user)
    revoked = tokens_revoke_all(user=user)
    audit_record(
        actor=actor,
        action="mfa_reset",
        obj=user,
        detail=f"two-step login removed, {revoked} API tokens revoked",
    )
    return user


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


# Clinic settings (Admin > Clinic): the clinic's own fields; the calendar's time zone and
# billing's jurisdiction and address stay in their apps' settings pages. ---------------------

LOGO_MAX_BYTES = 300 * 1024
LOGO_MAX_PIXELS = 2000
_LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


@transaction.atomic
def clinic_rename(*, actor: Actor, name: str) -> Clinic:
    """The clinic's name, printed on reports and receipts (clinic admins)."""
    from imsclinic.core.audit import audit_record
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    problems = Problems()
    if not name.strip():
        problems.add("name", "required", "Give the clinic a name.")
    elif len(name.strip()) > 200:
        problems.add("name", "too_long", "Use 200 characters or fewer for the name.")
    problems.raise_if_any()
    clinic = Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    if clinic.name == name.strip():
        return clinic
    clinic.name = actor.clinic.name = name.strip()
    clinic.save(update_fields=["name"])
    audit_record(actor=actor, action="change", obj=clinic, detail="settings: name")
    return clinic


def _checked_logo(data: bytes) -> str:
    """The content type of a PNG or JPEG logo small enough to print, or field problems."""
    import io

    from PIL import Image, UnidentifiedImageError

    problems = Problems()
    if not data:
        problems.add("logo", "required", "Choose a PNG or JPEG file.")
    elif len(data) > LOGO_MAX_BYTES:
        problems.add(
            "logo",
            "too_large",
            f"The logo is over {LOGO_MAX_BYTES // 1024} KB; use a smaller file "
            "(a PNG of about 600 px wide is plenty).",
        )
    problems.raise_if_any()
    kind, width, height = "", 0, 0
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        problems.add("logo", "not_an_image", "That file is not a PNG or JPEG image.")
        problems.raise_if_any()
    if kind not in _LOGO_FORMATS:
        problems.add("logo", "format", f"The logo must be PNG or JPEG, not {kind or 'unknown'}.")
    elif max(width, height) > LOGO_MAX_PIXELS:
        problems.add(
            "logo",
            "too_many_pixels",
            f"The logo is {width}x{height} px; use at most {LOGO_MAX_PIXELS} px on a side.",
        )
    problems.raise_if_any()
    return _LOGO_FORMATS[kind]


@transaction.atomic
def clinic_logo_set(*, actor: Actor, data: bytes | None) -> None:
    """Replace the clinic's logo (checked: PNG/JPEG, size), or remove it with None."""
    from imsclinic.core.audit import audit_record
    from imsclinic.core.models import ClinicLogo
    from imsclinic.core.permissions import ADMINS, require_role

    require_role(actor, ADMINS)
    if data is None:
        ClinicLogo.objects.filter(clinic=actor.clinic).delete()
        audit_record(actor=actor, action="change", obj=actor.clinic, detail="logo removed")
        return
    content_type = _checked_logo(data)
    ClinicLogo.objects.update_or_create(
        clinic=actor.clinic, defaults={"data": data, "content_type": content_type}
    )
    audit_record(
        actor=actor,
        action="change",
        obj=actor.clinic,
        detail=f"logo {content_type}, {len(data)} bytes",
    )


def clinic_logo_uri(clinic: Clinic) -> str:
    """The clinic's logo as a data: URI for pages and PDFs, or empty."""
    from imsclinic.core.models import ClinicLogo

    logo = ClinicLogo.objects.filter(clinic=clinic).first()
    return logo.data_uri if logo is not None else ""

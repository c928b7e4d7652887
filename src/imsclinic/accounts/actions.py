"""Writes for staff accounts, authorizations and tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import ApiToken, NeedlingAuthorization, Role, User
from imsclinic.core.errors import DomainError, Problems
from imsclinic.core.models import Clinic


class AuthenticationFailed(DomainError):
    status = 401
    code = "authentication_failed"


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
    check_password: bool = True,
) -> User:
    problems = Problems()
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
        registration_number=registration_number,
    )
    user.set_password(password)
    user.save()
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


@transaction.atomic
def token_issue(*, username: str, password: str) -> tuple[str, ApiToken]:
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active or getattr(user, "clinic", None) is None:
        raise AuthenticationFailed("Username or password is wrong, or the account is inactive.")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_hash_token(key),
        prefix=key[:8],
        expires_at=timezone.now() + dt.timedelta(hours=settings.IMSCLINIC_API_TOKEN_HOURS),
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
    if token is None or not token.user.is_active:
        return None
    return token.user


def token_revoke(*, key: str) -> bool:
    return bool(
        ApiToken.objects.filter(key_hash=_hash_token(key), revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )

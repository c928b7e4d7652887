"""Staff accounts and needling authorizations, as a clinic admin manages them (and the set-up commands that create the first ones)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from imsclinic.accounts.actions.mfa import _mfa_clear
from imsclinic.accounts.actions.tokens import tokens_revoke_all
from imsclinic.accounts.models import (
    LoginAttempt,
    NeedlingAuthorization,
    Role,
    User,
)
from imsclinic.core.actors import Actor
from imsclinic.core.errors import NotFound, Problems, ValidationProblem
from imsclinic.core.models import Clinic


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

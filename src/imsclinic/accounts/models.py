"""Clinic staff, their needling authorizations, and API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

from imsclinic.core.models import Clinic, ClinicScopedModel
from imsclinic.core.permissions import CLINICAL


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


# What official receipts print beside a practitioner's name (extended health plans ask
# for the designation and the regulator's registration number).
designation_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9 .,()/&-]{0,29}$",
    "A designation is letters such as 'PT' or 'MD, CCFP' (up to 30 characters).",
)
registration_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$",
    "A registration number is letters, digits, spaces, '.', '/' or '-' (up to 40).",
)


class User(AbstractUser):
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    profession = models.CharField(max_length=60, blank=True)
    # Professional designation printed on receipts, e.g. "PT" or "MD" (blank for non-clinicians).
    designation = models.CharField(max_length=30, blank=True, validators=[designation_validator])
    registration_number = models.CharField(
        max_length=40, blank=True, validators=[registration_validator]
    )
    # The regulator that issued the registration, e.g. "Physiotherapy Alberta College + Association".
    regulatory_body = models.CharField(max_length=120, blank=True)
    # TOTP second factor (RFC 6238). The secret must be readable to check codes, so it is
    # stored as issued; disk encryption and backups protect it (SECURITY.md).
    totp_secret = models.CharField(max_length=64, blank=True)
    mfa_enrolled_at = models.DateTimeField(null=True, blank=True)
    # The last accepted time step: a code is accepted once, never replayed.
    totp_last_step = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL

    @property
    def has_mfa(self) -> bool:
        return self.mfa_enrolled_at is not None and bool(self.totp_secret)


class NeedlingAuthorization(ClinicScopedModel):
    """A credential that allows a practitioner to needle: both kinds must be current."""

    class Kind(models.TextChoices):
        IMS_CERTIFICATION = "ims_certification", "IMS certification"
        RESTRICTED_ACTIVITY = "restricted_activity", "Regulator's restricted-activity authorization"

    practitioner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="authorizations")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=60, help_text="Certificate or permit number")
    issuer = models.CharField(max_length=120, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["practitioner_id", "kind", "-valid_from"]
        indexes = [models.Index(fields=["clinic", "practitioner"], name="auth_clinic_pract")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def is_current_on(self, day: dt.date) -> bool:
        if day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        return not (self.revoked_on is not None and day >= self.revoked_on)


class ApiToken(models.Model):
    """A bearer token: only its SHA-256 is stored, it expires, and it can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Issued after a second factor (TOTP or recovery code). A clinic that requires two-step
    # login accepts only such tokens, so one issued before it turned the requirement on
    # stops working at once (accounts.actions.token_user).
    second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user}"


class RecoveryCode(models.Model):
    """A one-time code to pass the second step without the authenticator; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "code_hash"], name="recovery_user_hash")]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}{' (used)' if self.used_at else ''}"


class LoginAttempt(models.Model):
    """Password and second-factor attempts, to lock out guessing by username and by address."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    stage = models.CharField(max_length=10, default="password")  # password | mfa | token

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["address", "at"], name="login_attempt_addr_at")]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M}"

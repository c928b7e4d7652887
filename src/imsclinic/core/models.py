"""The clinic (tenant) and the pieces every clinical model shares."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClinicScopedModel(models.Model):
    """Base for every clinical row: it carries its clinic so a deployment can shard by clinic.

    Reads go through selectors that take the clinic first (see core/tenancy.py), so a
    row of another clinic is never returned, whatever id a caller supplies.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where, and whether it was allowed."""

    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        CHANGE = "change"
        SIGN = "sign"
        AMEND = "amend"
        EXPORT = "export"
        PRINT = "print"
        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        DENIED = "denied"

    class Source(models.TextChoices):
        PAGE = "page"
        API = "api"
        COMMAND = "command"
        REPORT = "report"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=30, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    patient_id = models.BigIntegerField(null=True, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=20, default="ok")
    address = models.GenericIPAddressField(null=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["clinic", "at"], name="audit_clinic_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

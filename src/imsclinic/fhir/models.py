"""Bulk Data export jobs (FHIR Bulk Data Access: kick-off, status, download)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from imsclinic.core.models import ClinicScopedModel


class ExportJob(ClinicScopedModel):
    """One ``$export`` request: what was asked, how far it got, and the files it wrote.

    The files hold patient data: they live in IMSCLINIC_FHIR_EXPORT_DIR (mode 0600), only the
    user who started the export can fetch them, and they are deleted with the job (DELETE on
    the status URL) or when it expires.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RUNNING = "running", "Running"
        COMPLETE = "complete", "Complete"
        ERROR = "error", "Error"
        CANCELLED = "cancelled", "Cancelled"

    class Level(models.TextChoices):
        SYSTEM = "system", "System"
        PATIENT = "patient", "All patients"
        GROUP = "group", "Group"

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    request_url = models.CharField(max_length=2000)
    level = models.CharField(max_length=10, choices=Level.choices)
    group_id = models.CharField(max_length=64, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    transaction_time = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(max_length=200, blank=True)
    # [{"type": "Patient", "file": "Patient.ndjson", "count": 120}, ...]
    outputs = models.JSONField(default=list)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "requested_by"], name="fhir_export_clinic_user")]

    def __str__(self) -> str:
        return f"$export {self.level} {self.key} ({self.status})"

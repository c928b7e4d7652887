"""Safety operations: needle stock, adverse-event follow-ups (signed addenda to the
session), incident reports, and the in-app notifications of clinic admins."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from imsclinic.charting.models import TreatmentSession
from imsclinic.charting.vocabulary import SEVERITY, Severity
from imsclinic.core.models import ClinicScopedModel
from imsclinic.patients.models import Patient

# Adverse events that need a follow-up, and those that also need an incident report and
# tell the clinic admin. Severity scale: mild / significant / serious [PA-AE-FAQ].
FOLLOW_UP_SEVERITIES: tuple[Severity, ...] = ("significant", "serious")
SERIOUS: Severity = "serious"


class NeedleLot(ClinicScopedModel):
    """A delivery of sterile single-use needles of one manufacturer's lot. What is left is
    the quantity received less the insertions charted with the same lot key (selectors)."""

    manufacturer = models.CharField(max_length=100)
    lot = models.CharField(max_length=40)
    lot_key = models.CharField(max_length=64, editable=False)
    needle_diameter_mm = models.DecimalField(max_digits=4, decimal_places=2)
    needle_length_mm = models.PositiveSmallIntegerField()
    expires_on = models.DateField()
    quantity = models.PositiveIntegerField(help_text="Needles received")
    received_on = models.DateField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["clinic", "lot_key"], name="needlelot_clinic_key")]

    def __str__(self) -> str:
        return f"{self.manufacturer} lot {self.lot}"

    def expired_on(self, day: dt.date) -> bool:
        # Sterility is guaranteed up to and including the printed expiry date.
        return day > self.expires_on


class SignedRecord(ClinicScopedModel):
    """Read-only once signed, in the database too (safety/db_guards.py)."""

    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class FollowUp(SignedRecord):
    """A significant or serious adverse event's follow-up: first a task for the
    practitioner (due the next day by default, on Today until done), then, once done, a
    signed addendum to the session (contact made, outcome, referral). The session itself
    is never touched: it stays as signed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Referral(models.TextChoices):
        NONE = "none", "No referral needed"
        EMERGENCY = "emergency", "Emergency care"
        PHYSICIAN = "physician", "Physician"
        OTHER = "other", "Other"

    class Method(models.TextChoices):
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"
        MESSAGE = "message", "Secure message"

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(max_length=12, choices=SEVERITY.choices)
    reason = models.CharField(max_length=500)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    withdrawn_reason = models.CharField(max_length=300, blank=True)
    # The addendum, written once, when the follow-up is done and signed.
    contact_made = models.BooleanField(null=True, blank=True)
    contact_method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    contacted_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    referral = models.CharField(max_length=10, choices=Referral.choices, blank=True)
    referral_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["clinic", "status", "due_on"], name="followup_clinic_status"),
            models.Index(fields=["clinic", "session"], name="followup_clinic_session"),
        ]

    def __str__(self) -> str:
        return f"Follow-up of session {self.session_id} due {self.due_on}"


class IncidentReport(SignedRecord):
    """The clinic's report of a serious adverse event: pre-filled from the session (and its
    follow-up), reviewed and signed by a clinic admin, then immutable."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    occurred_on = models.DateField()
    what_happened = models.TextField()
    sites = models.TextField(blank=True)
    needles = models.TextField(blank=True)
    depth = models.CharField(max_length=300, blank=True)
    actions_taken = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    reported_to = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "session"], name="incident_one_per_session")
        ]

    def __str__(self) -> str:
        return f"Incident report of session {self.session_id}"


class AdminNotification(ClinicScopedModel):
    """What the clinic admins must know (a serious adverse event): shown on Today and the
    notifications page until an admin marks it read. ``notify_admins`` writes it; the
    e-mail outbox can deliver the same notice when it exists."""

    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "read_at"], name="adminnotice_clinic_read")]

    def __str__(self) -> str:
        return self.subject

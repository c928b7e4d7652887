"""The patients' side: intake links and what patients send through them.

Links store only the SHA-256 of their token (like questionnaire and appointment links).
An intake submission is the patient's own account: it stays a draft until a practitioner
reviews it and accepts it into the record (precautions, medications, baseline
questionnaire, consent confirmed at the visit); the submission itself is never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from imsclinic.charting.models import Episode
from imsclinic.core.models import ClinicScopedModel
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.patients.models import Consent, Patient


class PatientLink(ClinicScopedModel):
    """A single-use, expiring link of one patient: only the SHA-256 of its token is kept."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class IntakeLink(PatientLink):
    """A single-use, expiring link to the intake form of one patient."""

    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure_code = models.CharField(max_length=12, blank=True)  # baseline questionnaire
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["patient_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="intakelink_clinic_patient")]

    def __str__(self) -> str:
        return f"Intake link until {self.expires_at:%Y-%m-%d}"


class IntakeSubmission(ClinicScopedModel):
    """A health history, red-flag screening, baseline questionnaire and signed consent as
    the patient sent them; a draft until a practitioner accepts it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Waiting for review"
        ACCEPTED = "accepted", "Accepted into the record"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    link = models.OneToOneField(IntakeLink, on_delete=models.PROTECT, related_name="submission")
    submitted_at = models.DateTimeField()
    medications = models.TextField(blank=True)
    precautions = models.JSONField(default=list)  # codes of rules.precautions the patient ticked
    lymphedema_sites = models.JSONField(default=list)
    lymph_nodes_removed = models.JSONField(default=list)
    red_flags = models.JSONField(default=list)  # codes of intake_questions.RED_FLAGS answered yes
    red_flag_notes = models.TextField(blank=True)
    pain_areas = models.TextField(blank=True)  # in their words (before the map: all there is)
    # The pain map, as Assessment.pain_locations: [{"region": "lower_back", "side": "left"}]
    pain_locations = models.JSONField(default=list, blank=True)
    baseline_measure_code = models.CharField(max_length=12, blank=True)
    baseline_items = models.JSONField(default=list)
    baseline_activities = models.JSONField(default=list)
    baseline_score = models.FloatField(null=True, blank=True)
    consent_version = models.CharField(max_length=40)
    consent_text = models.TextField()  # the wording the patient read, as shown
    consent_name = models.CharField(max_length=150)
    consent_signature = models.TextField(blank=True)  # PNG data URL drawn on the canvas
    consent_signed_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    baseline_response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["patient_id", "-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "patient"], name="intake_clinic_patient"),
            models.Index(fields=["clinic", "status"], name="intake_clinic_status"),
        ]

    def __str__(self) -> str:
        return f"Intake of {self.submitted_at:%Y-%m-%d} ({self.status})"


class PortalLink(PatientLink):
    """A single-use sign-in link to the patient portal, e-mailed on request."""

    class Meta:
        ordering = ["patient_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="portallink_clinic_patient")]

    def __str__(self) -> str:
        return f"Portal sign-in link until {self.expires_at:%Y-%m-%d %H:%M}"

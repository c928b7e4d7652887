"""Outcome questionnaires of an episode: what is scheduled, links sent, and the answers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from imsclinic.charting.models import Episode
from imsclinic.core.models import ClinicScopedModel
from imsclinic.measures import MEASURES
from imsclinic.patients.models import Patient

MEASURE_CHOICES = [(code, measure.abbreviation) for code, measure in MEASURES.items()]


class QuestionnaireSchedule(ClinicScopedModel):
    """When a measure is due in an episode: at intake, every N sessions, or at discharge."""

    class Timing(models.TextChoices):
        INTAKE = "intake", "At intake"
        EVERY_N = "every_n", "Every N sessions"
        DISCHARGE = "discharge", "At discharge"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    measure_code = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    timing = models.CharField(max_length=10, choices=Timing.choices)
    every_n_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["episode_id", "measure_code", "timing", "id"]
        indexes = [models.Index(fields=["clinic", "episode"], name="qsched_clinic_episode")]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "measure_code", "timing"], name="qsched_unique_timing"
            )
        ]

    def __str__(self) -> str:
        if self.timing == self.Timing.EVERY_N:
            return f"{self.measure_code} every {self.every_n_sessions} sessions"
        return f"{self.measure_code} {self.get_timing_display().lower()}"


class QuestionnaireLink(ClinicScopedModel):
    """A single-use, expiring link a patient opens without an account.

    Only the SHA-256 of the token is stored: a copy of the database cannot be used to
    answer (or read) a questionnaire, the same rule as API tokens.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    measure_code = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["episode_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "episode"], name="qlink_clinic_episode")]

    def __str__(self) -> str:
        return f"{self.measure_code} link until {self.expires_at:%Y-%m-%d}"


class QuestionnaireResponse(ClinicScopedModel):
    """One completed form, scored when it was recorded, landing on the episode."""

    class Source(models.TextChoices):
        TABLET = "tablet", "Tablet in the clinic"
        LINK = "link", "Link sent to the patient"
        API = "api", "API"

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    measure_code = models.CharField(max_length=12, choices=MEASURE_CHOICES)
    # One answer per item in form order; null = unanswered. PSFS keeps the patient's own
    # activity names in ``activities`` beside the ratings.
    answers = models.JSONField(default=list)
    activities = models.JSONField(default=list, blank=True)
    score = models.FloatField()
    raw_score = models.FloatField()
    interpretation = models.CharField(max_length=300)
    answered_at = models.DateTimeField()
    # Sessions of the episode charted on or before the day of answering: the time axis of
    # "sessions to reach MCID".
    sessions_completed = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link = models.OneToOneField(
        QuestionnaireLink, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )

    class Meta:
        ordering = ["episode_id", "measure_code", "answered_at", "id"]
        indexes = [
            models.Index(
                fields=["clinic", "episode", "measure_code", "answered_at"],
                name="qresp_clinic_episode",
            ),
            models.Index(fields=["clinic", "measure_code"], name="qresp_clinic_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_code} {self.score:g} on {self.answered_at:%Y-%m-%d}"


class MeasureWording(ClinicScopedModel):
    """The clinic's licensed item wording of a questionnaire, uploaded by an admin in the
    app (Clinic settings > Questionnaire wording). Versions are kept: the newest is used,
    and a replaced one stays for the record of what patients were shown."""

    measure_code = models.CharField(max_length=20, choices=MEASURE_CHOICES)
    items = models.JSONField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["clinic", "measure_code", "-id"], name="outcomes_wording_latest")
        ]

"""Patients, their precautions for needling, and consent (appointments: scheduling)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from imsclinic.core.models import ClinicScopedModel
from imsclinic.patients.names import health_number_key, search_key
from imsclinic.rules.precautions import (
    BY_CODE,
    LIMB_SITES,
    NODES_REMOVED_SITES,
    PRECAUTIONS,
    Precaution,
    Precautions,
)


class Patient(ClinicScopedModel):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    class Language(models.TextChoices):
        # The patient's pages and messages (intake, portal, IMS explained, e-mails).
        ENGLISH = "en", "English"
        FRENCH = "fr", "Français"

    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    health_number = models.CharField(max_length=30, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    # db_default too: the bulk demo generator writes patients without the ORM's defaults.
    preferred_language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.ENGLISH, db_default="en"
    )
    # Lower-cased "family given" for fast, case-insensitive prefix search on both databases.
    search_name = models.CharField(max_length=210, editable=False)
    # "given family", so a name typed given-name-first is also an indexed prefix search.
    search_name_reversed = models.CharField(max_length=210, editable=False, default="")
    # The health number's letters and digits only (patients.names.health_number_key), so
    # it is found with or without separators.
    health_number_key = models.CharField(max_length=30, editable=False, default="")

    medications = models.TextField(blank=True)
    # One boolean field per row of rules.precautions.PRECAUTIONS is added below the class.
    lymphedema_sites = models.JSONField(default=list, blank=True)
    lymph_nodes_removed = models.JSONField(default=list, blank=True)
    precaution_notes = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["search_name", "id"]  # "Ñúñez" with the N's (patients/names.py)
        indexes = [
            models.Index(fields=["clinic", "search_name"], name="patient_clinic_name"),
            models.Index(fields=["clinic", "search_name_reversed"], name="patient_clinic_name_rev"),
            models.Index(fields=["clinic", "health_number"], name="patient_clinic_hn"),
            models.Index(fields=["clinic", "health_number_key"], name="patient_clinic_hn_key"),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_dob"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_name = search_key(f"{self.family_name} {self.given_name}")
        self.search_name_reversed = search_key(f"{self.given_name} {self.family_name}")
        self.health_number_key = health_number_key(self.health_number or "")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def precautions(self) -> Precautions:
        return Precautions.of(self)

    @property
    def absolute_precautions(self) -> list[Precaution]:
        """Set absolute precautions, and a lymphedematous limb (absolute for that limb)."""
        return [BY_CODE[code] for code in self.precautions.absolute()]

    @property
    def relative_precautions(self) -> list[Precaution]:
        return [BY_CODE[code] for code in self.precautions.relative()]

    @property
    def lymphedema_labels(self) -> list[str]:
        return [LIMB_SITES.get(key, key) for key in self.lymphedema_sites or ()]

    @property
    def nodes_removed_labels(self) -> list[str]:
        return [NODES_REMOVED_SITES.get(key, key) for key in self.lymph_nodes_removed or ()]


for _precaution in PRECAUTIONS:
    # The one table drives the fields: a new precaution is a row there and a migration.
    Patient.add_to_class(_precaution.code, models.BooleanField(default=False))


class Consent(ClinicScopedModel):
    """Informed consent for needling. Withdrawal is recorded, never deleted."""

    class GivenBy(models.TextChoices):
        PATIENT = "patient", "Patient"
        GUARDIAN = "guardian", "Parent or legal guardian"
        SUBSTITUTE = "substitute", "Substitute decision-maker"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    consented_on = models.DateField()
    text_version = models.CharField(max_length=40)
    given_by = models.CharField(max_length=12, choices=GivenBy.choices, default=GivenBy.PATIENT)
    substitute_name = models.CharField(max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["patient_id", "-consented_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="consent_clinic_patient")]

    def __str__(self) -> str:
        return f"Consent {self.text_version} on {self.consented_on}"

    def is_current_on(self, day: dt.date) -> bool:
        if self.consented_on > day:
            return False
        return self.withdrawn_on is None or self.withdrawn_on > day


class EpisodeDischarge(ClinicScopedModel):
    """Why and how an episode of care ended (written with its discharge by
    charting.discharge.episode_discharge; the discharge date is the episode's closed_on).

    The episode is named by id: this app sits below charting (tests/test_architecture.py).
    A reopened-and-discharged-again episode keeps one row, the latest discharge.
    """

    class Reason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        PLATEAU = "plateau", "Plateau: no further gain expected"
        PATIENT_CHOICE = "patient_choice", "Patient's choice"
        REFERRED = "referred", "Referred on"
        DID_NOT_RETURN = "did_not_return", "Did not return"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        IMPROVED = "improved", "Improved"
        UNCHANGED = "unchanged", "Unchanged"
        WORSE = "worse", "Worse"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="discharges")
    episode_id = models.BigIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "episode_id"], name="discharge_one_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"discharge of episode {self.episode_id}: {self.reason}, {self.outcome}"


class ClinicConsentText(ClinicScopedModel):
    """A consent wording of the clinic's own, beside the shipped ones
    (patients/consent_texts.py). A version's wording never changes once added: patients
    consented to it; new wording is a new version, which becomes the clinic's current one."""

    version = models.CharField(max_length=30)
    text = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "version"], name="consent_text_version")
        ]

    def __str__(self) -> str:
        return self.version

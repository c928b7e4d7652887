"""Episodes of care, assessments, treatment sessions, and amendments to signed notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from imsclinic.charting.vocabulary import (
    ADVERSE_EVENT_KIND,
    AFFECTED_SIDE,
    ROM_PHASE,
    SENSATION,
    SEVERITY,
    SIDE,
    SIGN_KIND,
    TWITCH,
)
from imsclinic.core.models import Clinic, ClinicScopedModel
from imsclinic.patients.models import Patient
from imsclinic.rules.lots import lot_key


class Episode(ClinicScopedModel):
    """A course of care for one condition, with its goals."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    condition_code = models.CharField(max_length=10)
    condition_label = models.CharField(max_length=200)
    affected_side = models.CharField(max_length=10, blank=True, choices=AFFECTED_SIDE.choices)
    onset_date = models.DateField(null=True, blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    goals = models.TextField(blank=True)
    referring_physician = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["patient_id", "-opened_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="episode_clinic_patient")]

    def __str__(self) -> str:
        return f"{self.condition_label} ({self.condition_code}) from {self.opened_on}"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class SignableNote(ClinicScopedModel):
    """A clinical note that becomes read-only once signed; corrections are amendments."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def note_date(self) -> dt.date:
        """The date of the care the note records (the session's or the assessment's)."""
        raise NotImplementedError

    @property
    def days_late(self) -> int:
        return days_late(self.note_date, self.created_at)


def days_late(note_date: dt.date, charted_at: dt.datetime | None) -> int:
    """Days between the care and its charting (clinic time), 0 if charted the same day.

    A note charted after its date is a *late entry*, and documentation standards want it
    shown as one: the record carries the "date of chart entry if different from date of
    treatment session" [CPO-Documentation: https://collegept.org/standard/documentation-standard],
    and backdating "with no documentation to indicate they were late entries" breaches the
    Alberta college's standard [CPTA-Charting: https://www.cpta.ab.ca/news-and-updates/news/
    conduct-matters-getting-behind-on-charting-case-study/]. Late charting itself is
    allowed (a practitioner authorized on the session date may chart it later)."""
    if charted_at is None:
        return 0
    return max(0, (timezone.localdate(charted_at) - note_date).days)


class Assessment(SignableNote):
    assessed_on = models.DateField()
    history = models.TextField(blank=True)
    pain_now = models.PositiveSmallIntegerField(null=True, blank=True)
    # Body-chart marks: [{"region": "lower_back", "side": "left"}, ...]
    pain_locations = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["patient_id", "-assessed_on", "-id"]
        indexes = [models.Index(fields=["clinic", "patient"], name="assess_clinic_patient")]

    def __str__(self) -> str:
        return f"Assessment on {self.assessed_on}"

    @property
    def note_date(self) -> dt.date:
        return self.assessed_on


class MuscleFinding(ClinicScopedModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="findings")
    position = models.PositiveSmallIntegerField()
    muscle_id = models.CharField(max_length=60)
    side = models.CharField(max_length=5, choices=SIDE.choices)
    level = models.CharField(max_length=3, blank=True)
    taut_band = models.BooleanField(default=False)
    tender_motor_point = models.BooleanField(default=False)
    shortened = models.BooleanField(default=False)
    local_twitch = models.BooleanField(default=False)
    normal = models.BooleanField(default=False)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["assessment_id", "position"]
        indexes = [models.Index(fields=["clinic", "assessment"], name="finding_clinic_assessment")]

    def __str__(self) -> str:
        return f"{self.muscle_id} ({self.side})"


class NeuropathySign(ClinicScopedModel):
    """One of Gunn's signs of neuropathy observed in a body-chart region [GunnSigns]."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="signs")
    region = models.CharField(max_length=30)
    side = models.CharField(max_length=5, choices=SIDE.choices)
    kind = models.CharField(max_length=12, choices=SIGN_KIND.choices)

    class Meta:
        ordering = ["assessment_id", "region", "side", "kind"]
        indexes = [models.Index(fields=["clinic", "assessment"], name="sign_clinic_assessment")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.region} ({self.side})"


class TreatmentSession(SignableNote):
    session_date = models.DateField()
    sequence = models.PositiveSmallIntegerField(help_text="Session number within the episode")
    pain_before = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True)
    acknowledged = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["patient_id", "-session_date", "-id"]
        indexes = [
            models.Index(
                fields=["clinic", "patient", "session_date"], name="session_clinic_patient"
            ),
            models.Index(fields=["clinic", "session_date"], name="session_clinic_date"),
        ]

    def __str__(self) -> str:
        return f"Session {self.sequence} on {self.session_date}"

    @property
    def note_date(self) -> dt.date:
        return self.session_date


class Insertion(ClinicScopedModel):
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="insertions"
    )
    position = models.PositiveSmallIntegerField()
    muscle_id = models.CharField(max_length=60)
    side = models.CharField(max_length=5, choices=SIDE.choices)
    level = models.CharField(max_length=3, blank=True)
    needle_diameter_mm = models.DecimalField(max_digits=4, decimal_places=2)
    needle_length_mm = models.PositiveSmallIntegerField()
    needle_lot = models.CharField(max_length=40)
    # The lot as a recall matches it (rules/lots.py: case, separators and a leading "LOT"
    # ignored). Derived, not part of the signed content; every writer fills it: the session
    # write path, the bulk generator, save() below, and migration 0007 for older rows.
    needle_lot_key = models.CharField(max_length=64, default="", editable=False)
    twitch = models.CharField(max_length=6, choices=TWITCH.choices)
    sensation = models.CharField(max_length=10, choices=SENSATION.choices, default="none")
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["session_id", "position"]
        indexes = [
            models.Index(fields=["clinic", "muscle_id"], name="insertion_clinic_muscle"),
            models.Index(fields=["clinic", "session", "position"], name="insertion_clinic_session"),
            # The needle lot recall (safety/selectors.py): every session of one lot key.
            models.Index(
                fields=["clinic", "needle_lot_key", "session"], name="insertion_clinic_lot"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.needle_lot_key = lot_key(self.needle_lot)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        level = f" {self.level}" if self.level else ""
        return f"{self.muscle_id}{level} ({self.side})"


class RomMeasure(ClinicScopedModel):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="rom"
    )
    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, null=True, blank=True, related_name="rom"
    )
    phase = models.CharField(max_length=10, choices=ROM_PHASE.choices)
    movement = models.CharField(max_length=40)
    side = models.CharField(max_length=5, blank=True, choices=SIDE.choices)
    degrees = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["clinic", "session"], name="rom_clinic_session")]

    def __str__(self) -> str:
        return f"{self.movement} {self.side} {self.degrees}°"


class AdverseEvent(ClinicScopedModel):
    """Kind and severity: charting/vocabulary.py (severity scale [PA-AE-FAQ])."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    # Always the session's episode (written with the event, rewritten with it when a draft
    # moves episode): clinic outcomes count events per episode without a pass over every
    # session, which cost ~0.5 s of the page at 1M sessions on PostgreSQL.
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=15, choices=ADVERSE_EVENT_KIND.choices)
    severity = models.CharField(max_length=12, choices=SEVERITY.choices)
    description = models.CharField(max_length=500, blank=True)
    action_taken = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["session_id", "id"]
        indexes = [
            models.Index(fields=["clinic", "session"], name="adverse_clinic_session"),
            # The outcomes rollup counts an episode's events by severity (charting/rollup.py).
            models.Index(fields=["clinic", "episode", "severity"], name="adverse_clinic_episode"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity})"


class Amendment(ClinicScopedModel):
    """A dated correction to a signed note by its author; the original stays as signed."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["clinic", "session"], name="amendment_clinic_session")]

    def __str__(self) -> str:
        return f"Amendment {self.created_at:%Y-%m-%d} by {self.author}"


class EpisodeSummary(models.Model):
    """Derived, never written by the application: per episode, what clinic outcomes read
    of its sessions and adverse events, kept current by database triggers on both tables
    (charting/rollup.py), so the clinic-wide page reads one row per episode instead of
    every session and event (1M sessions on PostgreSQL: 2.9 s -> see docs/benchmarks.md).

    ``baseline``/``latest`` are the pain before the first/last session by (sequence,
    date, id); ``first_mcid`` is the number of sessions already given when pain before a
    session first sat at least the NPRS MCID below baseline (None if never); ``effect``
    sums pain before minus after over the sessions that recorded both."""

    episode = models.OneToOneField(
        Episode, primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.DO_NOTHING, related_name="+")
    sessions = models.PositiveIntegerField()
    with_after = models.PositiveIntegerField()
    effect = models.IntegerField(null=True)
    baseline = models.PositiveSmallIntegerField(null=True)
    latest = models.PositiveSmallIntegerField(null=True)
    first_mcid = models.PositiveSmallIntegerField(null=True)
    adverse_mild = models.PositiveIntegerField()
    adverse_significant = models.PositiveIntegerField()
    adverse_serious = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["clinic", "episode"], name="episodesummary_clinic")]

    def __str__(self) -> str:
        return f"episode {self.episode_id}: {self.sessions} sessions"


SIGNED_NOTES = (Assessment, TreatmentSession)


def signed_note_children() -> tuple[tuple[str, str, str], ...]:
    """(child table, foreign-key column, note table) of every charting row that belongs to a
    signed note, found from the models' foreign keys to the notes, amendments apart (they
    follow a signed note and have their own guard). The database guards
    (security/db_guards.py) read this, so a new child table of a note is guarded without
    a change there."""
    from django.apps import apps

    found: list[tuple[str, str, str]] = []
    for model in apps.get_app_config("charting").get_models():
        if model is Amendment:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in SIGNED_NOTES and field.column:
                found.append(
                    (model._meta.db_table, field.column, field.related_model._meta.db_table)
                )
    return tuple(sorted(found))

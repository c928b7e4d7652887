"""Reads of the patients' side, taking the actor (staff) first."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.outcomes.models import QuestionnaireLink
from imsclinic.patients.models import Patient
from imsclinic.portal.intake_questions import RED_FLAG_LABELS
from imsclinic.portal.models import IntakeLink, IntakeSubmission
from imsclinic.scheduling.models import Appointment

TODAY_LIMIT = 20


@dataclass(frozen=True)
class RedFlags:
    submission: IntakeSubmission
    labels: list[str]


def intake_latest(*, actor: Actor, patient_id: int) -> IntakeSubmission | None:
    """The patient's most recent intake (draft or accepted), or None."""
    require_role(actor, CLINICAL)
    return (
        IntakeSubmission.objects.filter(clinic=actor.clinic, patient_id=patient_id)
        .select_related("patient", "reviewed_by", "consent", "link__episode")
        .order_by("-submitted_at", "-id")
        .first()
    )


def red_flags(submission: IntakeSubmission | None) -> RedFlags | None:
    if submission is None or not submission.red_flags:
        return None
    return RedFlags(
        submission=submission,
        labels=[RED_FLAG_LABELS.get(code, code) for code in submission.red_flags],
    )


def intakes_to_review(*, actor: Actor) -> list[IntakeSubmission]:
    """Drafts waiting for a practitioner, those with red flags first (one query)."""
    require_role(actor, CLINICAL)
    drafts = list(
        IntakeSubmission.objects.filter(clinic=actor.clinic, status=IntakeSubmission.Status.DRAFT)
        .select_related("patient")
        .order_by("-submitted_at", "-id")[:TODAY_LIMIT]
    )
    return sorted(drafts, key=lambda s: not s.red_flags)


# The portal: a patient's own record only ------------------------------------------------

UPCOMING_LIMIT = 20


@dataclass(frozen=True)
class Course:
    """One episode's pain across its signed sessions, said in plain words."""

    episode: Episode
    sessions: list[TreatmentSession]

    @property
    def first(self) -> int:
        return self.sessions[0].pain_before

    @property
    def latest(self) -> int:
        return self.sessions[-1].pain_before

    @property
    def sentence(self) -> str:
        """In the active language, e.g. "Your low back pain went from 7 to 3 (out of 10)
        over 6 sessions." """
        values = {
            "what": self.episode.condition_label.lower(),
            "first": self.first,
            "latest": self.latest,
            "count": len(self.sessions),
        }
        if len(self.sessions) == 1:
            return _("At your first session your %(what)s was %(first)s out of 10.") % values
        if self.latest < self.first:
            text = _(
                "Your %(what)s went from %(first)s to %(latest)s (out of 10) "
                "over %(count)s sessions."
            )
        elif self.latest > self.first:
            text = _(
                "Your %(what)s went up from %(first)s to %(latest)s (out of 10) "
                "over %(count)s sessions."
            )
        else:
            text = _("Your %(what)s stayed at %(first)s (out of 10) over %(count)s sessions.")
        return text % values


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    appointments: list[Appointment]
    questionnaires_waiting: list[QuestionnaireLink]
    intakes_waiting: list[IntakeLink]
    courses: list[Course]
    latest_session: TreatmentSession | None


def portal_home(*, patient: Patient) -> PortalHome:
    """Everything the portal shows, all of it filtered by this patient (and their clinic)."""
    now = timezone.now()
    own = {"clinic_id": patient.clinic_id, "patient_id": patient.pk}
    appointments = list(
        Appointment.objects.filter(**own, status=Appointment.Status.BOOKED, starts_at__gt=now)
        .select_related("practitioner", "appointment_type", "location")
        .order_by("starts_at")[:UPCOMING_LIMIT]
    )
    questionnaires = list(
        QuestionnaireLink.objects.filter(
            clinic_id=patient.clinic_id,
            episode__patient_id=patient.pk,
            used_at__isnull=True,
            expires_at__gt=now,
        ).order_by("expires_at")
    )
    intakes = list(
        IntakeLink.objects.filter(**own, used_at__isnull=True, expires_at__gt=now).order_by(
            "expires_at"
        )
    )
    sessions = list(
        TreatmentSession.objects.filter(**own, signed_at__isnull=False)
        .select_related("episode")
        .order_by("episode_id", "session_date", "sequence", "id")
    )
    by_episode: dict[int, list[TreatmentSession]] = {}
    for session in sessions:
        by_episode.setdefault(session.episode_id, []).append(session)
    courses = [Course(episode=rows[0].episode, sessions=rows) for rows in by_episode.values()]
    courses.sort(key=lambda c: c.sessions[-1].session_date, reverse=True)
    latest = max(sessions, key=lambda s: (s.session_date, s.pk), default=None)
    return PortalHome(
        patient=patient,
        appointments=appointments,
        questionnaires_waiting=questionnaires,
        intakes_waiting=intakes,
        courses=courses,
        latest_session=latest,
    )

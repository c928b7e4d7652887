"""Intake before the first visit: the link (sent by staff, or with the first booking), the
patient's submission (health history, red flags, pain map, baseline, signed consent) and the
practitioner's review that accepts it into the record."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_account_event, audit_record
from imsclinic.core.errors import (
    Problems,
    RuleViolation,
    ValidationProblem,
)
from imsclinic.core.permissions import CLINICAL, STAFF, require_role
from imsclinic.core.tenancy import get_for_clinic
from imsclinic.measures import MEASURES
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.schemas import ResponseIn
from imsclinic.outcomes.selectors import patient_wording as outcome_wording
from imsclinic.patients import actions as patients
from imsclinic.patients.consent_texts import CONSENT_TEXTS
from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import ConsentIn, PatientIn
from imsclinic.portal import pain_map
from imsclinic.portal.actions.common import (
    EMAILS,
    _email_form_link,
    _open_link,
    _require_email,
    consent_version_for,
)
from imsclinic.portal.intake_questions import LIMB_QUESTIONS, PATIENT_ASKED, RED_FLAG_CODES
from imsclinic.portal.models import IntakeLink, IntakeSubmission
from imsclinic.portal.schemas import IntakeAcceptIn, IntakeIn, IntakeLinkIn
from imsclinic.rules.precautions import LIMB_LIST_FIELDS
from imsclinic.scheduling.links import absolute, new_token, token_hash
from imsclinic.scheduling.models import Appointment

INTAKE_LINK = "intake.link"


INTAKE_DAYS_MAX = 30


_PNG = b"\x89PNG\r\n\x1a\n"


_SIGNATURE_PREFIX = "data:image/png;base64,"


@transaction.atomic
def intake_link_send(*, actor: Actor, patient: Patient, data: IntakeLinkIn) -> IntakeLink:
    """Create a single-use intake link and e-mail it to the patient through the outbox."""
    require_role(actor, CLINICAL)
    _require_email(patient)  # refused before a link exists
    problems = Problems()
    code = data.measure_code.strip().lower()
    if code and code not in MEASURES:
        problems.add(
            "measure_code",
            "unknown_measure",
            f"Unknown outcome measure '{code}'; choose one of {', '.join(MEASURES)} or none.",
        )
    if code:  # a baseline the patient can answer, never bare topic labels (outcomes)
        outcomes.check_patient_wording(problems, actor.clinic.pk, code)
    if not 1 <= data.expires_in_days <= INTAKE_DAYS_MAX:
        problems.add(
            "expires_in_days", "out_of_range", f"A link lasts 1 to {INTAKE_DAYS_MAX} days."
        )
    episode = None
    if data.episode_id is not None:
        episode = get_for_clinic(Episode.objects.all(), actor.clinic, data.episode_id, "Episode")
        if episode.patient_id != patient.pk:
            problems.add("episode_id", "other_patient", "Choose an episode of this patient.")
    problems.raise_if_any()
    return _issue_intake_link(
        actor=actor,
        patient=patient,
        episode=episode,
        measure_code=code,
        expires_at=timezone.now() + dt.timedelta(days=data.expires_in_days),
    )


def _issue_intake_link(
    *,
    actor: Actor,
    patient: Patient,
    episode: Episode | None,
    measure_code: str,
    expires_at: dt.datetime,
    detail: str = "",
) -> IntakeLink:
    token = new_token()
    link = IntakeLink.objects.create(
        clinic=actor.clinic,
        patient=patient,
        episode=episode,
        measure_code=measure_code,
        token_hash=token_hash(token),
        created_by=actor.user,
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="create", patient_id=patient.pk, obj=link, detail=detail)
    _email_form_link(
        patient=patient,
        link=link,
        template=EMAILS + "intake",
        kind=INTAKE_LINK,
        url=absolute(reverse("intake_form", args=[token])),
    )
    return link


INTAKE_BEFORE_VISIT_DAYS_MIN = 2  # a visit booked for tomorrow still gets two days


def intake_is_due(patient: Patient, appointment: Appointment) -> bool:
    """A new patient is owed the intake form with their booking: they have an e-mail
    address, have never been seen (no appointment they came to, no charted session), sent
    no intake yet, and hold no intake link that still works."""
    now = timezone.now()
    own = {"clinic_id": patient.clinic_id, "patient_id": patient.pk}
    return bool(
        patient.email.strip()
        and patient.archived_at is None
        and not Appointment.objects.filter(
            **own,
            status__in=(Appointment.Status.ARRIVED, Appointment.Status.COMPLETED),
        )
        .exclude(pk=appointment.pk)
        .exists()
        and not TreatmentSession.objects.filter(**own).exists()
        and not IntakeSubmission.objects.filter(**own).exists()
        and not IntakeLink.objects.filter(**own, used_at__isnull=True, expires_at__gt=now).exists()
    )


@transaction.atomic
def intake_link_for_booking(*, actor: Actor, appointment: Appointment) -> IntakeLink | None:
    """With a new patient's first booking (scheduling.events.appointment_booked), e-mail
    the intake form (health history, red-flag screening, pain map, consent) through the
    outbox in the booking's own transaction; the link lasts until the visit (at least two
    days, at most 30). Nothing when ``intake_is_due`` says no, so booking a course, or
    booking again while a link is unused, never sends a second one."""
    require_role(actor, STAFF)
    patient = appointment.patient
    if patient is None or not intake_is_due(patient, appointment):
        return None
    now = timezone.now()
    expires_at = min(
        max(appointment.starts_at, now + dt.timedelta(days=INTAKE_BEFORE_VISIT_DAYS_MIN)),
        now + dt.timedelta(days=INTAKE_DAYS_MAX),
    )
    return _issue_intake_link(
        actor=actor,
        patient=patient,
        episode=None,
        measure_code="",
        expires_at=expires_at,
        detail=f"e-mailed with the booking of appointment {appointment.pk}",
    )


def intake_open(*, token: str, lock: bool = False) -> IntakeLink:
    return _open_link(IntakeLink, token=token, lock=lock, what="intake")


def _signature(problems: Problems, data: IntakeIn) -> str:
    value = data.consent_signature.strip()
    if not value:
        problems.add(
            "consent_signature",
            "required",
            "Draw your signature in the box with a finger, a pen or the mouse.",
        )
        return ""
    try:
        raw = base64.b64decode(value.removeprefix(_SIGNATURE_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not value.startswith(_SIGNATURE_PREFIX) or not raw.startswith(_PNG):
        problems.add(
            "consent_signature",
            "invalid",
            "The signature did not come through; clear the box and draw it again.",
        )
        return ""
    return value


def baseline_asked(link: IntakeLink) -> bool:
    """The baseline questionnaire is asked only in wording the patient can answer; if the
    clinic's wording is gone since the link was sent, the practitioner gives it at the visit."""
    if not link.measure_code:
        return False
    return outcome_wording(link.clinic_id, MEASURES[link.measure_code]) is not None


@dataclass(frozen=True)
class _Checked:
    flags: list[str]
    items: list[object]
    score: float | None
    pain_locations: list[dict[str, str]]


def _validated(link: IntakeLink, data: IntakeIn) -> _Checked:
    problems = Problems()
    pain_locations = pain_map.stored_marks(data.pain_locations)
    unknown = sorted(set(data.precautions) - PATIENT_ASKED)
    if unknown:
        problems.add("precautions", "invalid", f"Unknown health answers {unknown}.")
    for name in LIMB_QUESTIONS:
        allowed = LIMB_LIST_FIELDS[name][0]
        for site in getattr(data, name):
            if site not in allowed:
                problems.add(name, "invalid", f"Choose among {', '.join(allowed.values())}.")
    flags = []
    for code in RED_FLAG_CODES:
        answer = data.red_flags.get(code, "")
        if answer not in ("yes", "no"):
            problems.add(f"red_flags.{code}", "required", "Answer yes or no.")
        elif answer == "yes":
            flags.append(code)
    if not data.consent_agree:
        problems.add(
            "consent_agree",
            "required",
            "Tick the box to say you have read the information and agree to treatment, or "
            "call the clinic with your questions.",
        )
    if not data.consent_name.strip():
        problems.add("consent_name", "required", "Type your full name as your signature.")
    _signature(problems, data)
    score: float | None = None
    items: list[object] = []
    if baseline_asked(link):
        items = list(data.baseline_items)
        try:
            score = outcomes.score_answers(link.measure_code, items).score
        except ValidationProblem as exc:  # re-named to the fields of the intake form
            for problem in exc.problems:
                problems.add(
                    "baseline_" + problem.field, problem.code, problem.message, problem.suggestions
                )
    problems.raise_if_any()
    return _Checked(flags, items, score, pain_locations)


@transaction.atomic
def intake_submit(*, token: str, data: IntakeIn, address: str | None = None) -> IntakeSubmission:
    """The patient's intake: checked, stored as a draft, the link spent, in one transaction
    (a double submit records one)."""
    link = intake_open(token=token, lock=True)
    checked = _validated(link, data)
    flags = checked.flags
    now = timezone.now()
    submission = IntakeSubmission.objects.create(
        clinic=link.clinic,
        patient=link.patient,
        link=link,
        submitted_at=now,
        medications=data.medications.strip(),
        precautions=sorted(set(data.precautions)),
        lymphedema_sites=sorted(set(data.lymphedema_sites)),
        lymph_nodes_removed=sorted(set(data.lymph_nodes_removed)),
        red_flags=flags,
        red_flag_notes=data.red_flag_notes.strip(),
        pain_areas=data.pain_areas.strip(),
        pain_locations=checked.pain_locations,
        baseline_measure_code=link.measure_code if baseline_asked(link) else "",
        baseline_items=[None if v is None else int(str(v)) for v in checked.items],
        baseline_activities=[a.strip()[:120] for a in data.baseline_activities],
        baseline_score=checked.score,
        consent_version=consent_version_for(link.patient),
        consent_text=CONSENT_TEXTS[consent_version_for(link.patient)],
        consent_name=data.consent_name.strip(),
        consent_signature=data.consent_signature.strip(),
        consent_signed_at=now,
    )
    link.used_at = now
    link.save(update_fields=["used_at", "updated_at"])
    audit_account_event(
        action="create",
        username=f"intake-link:{link.pk}",
        clinic=link.clinic,
        source="page",
        address=address,
        detail=(
            f"IntakeSubmission {submission.pk} for patient {link.patient_id}, sent by the "
            f"patient ({len(flags)} red flag{'s' if len(flags) != 1 else ''})"
        ),
    )
    return submission


def _merged_patient(patient: Patient, submission: IntakeSubmission) -> PatientIn:
    values = {name: getattr(patient, name) for name in PatientIn.model_fields}
    for code in submission.precautions:
        values[code] = True
    for name in LIMB_QUESTIONS:
        values[name] = sorted(set(values[name] or []) | set(getattr(submission, name)))
    if submission.medications and submission.medications not in patient.medications:
        heading = f"From the intake form of {timezone.localdate(submission.submitted_at)}:"
        values["medications"] = "\n".join(
            part for part in (patient.medications.strip(), heading, submission.medications) if part
        )[:4000]
    return PatientIn(**values)


@transaction.atomic
def intake_accept(
    *, actor: Actor, submission: IntakeSubmission, data: IntakeAcceptIn
) -> IntakeSubmission:
    """The practitioner accepts the patient's answers into the record: the precautions and
    limbs they ticked are set (never cleared), medications added, the baseline
    questionnaire recorded on the chosen episode, and, when confirmed with the patient,
    the consent they signed recorded with its version and date."""
    require_role(actor, CLINICAL)
    submission = IntakeSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != IntakeSubmission.Status.DRAFT:
        raise RuleViolation(
            "This intake was already accepted into the record.", code="intake_accepted"
        )
    patient = Patient.objects.select_for_update().get(pk=submission.patient_id)
    problems = Problems()
    episode = None
    if data.episode_id is not None:
        episode = get_for_clinic(Episode.objects.all(), actor.clinic, data.episode_id, "Episode")
        if episode.patient_id != patient.pk or not episode.is_open:
            problems.add("episode_id", "invalid", "Choose an open episode of this patient.")
    elif submission.baseline_measure_code:
        problems.add(
            "episode_id",
            "required",
            "Choose the episode the baseline questionnaire belongs to (open one first if "
            "there is none).",
        )
    if data.consent_confirmed and submission.consent_version not in CONSENT_TEXTS:
        problems.add(
            "consent_confirmed",
            "unknown_version",
            f"Consent version {submission.consent_version} is no longer offered; record "
            "consent on the consent page instead.",
        )
    problems.raise_if_any()
    patients.patient_update(actor=actor, patient=patient, data=_merged_patient(patient, submission))
    if submission.baseline_measure_code and episode is not None:
        submission.baseline_response = outcomes.response_record(
            actor=actor,
            episode=episode,
            data=ResponseIn(
                measure_code=submission.baseline_measure_code,
                items=submission.baseline_items,
                activities=submission.baseline_activities,
            ),
            source="link",
        )
    if data.consent_confirmed:
        submission.consent = patients.consent_record(
            actor=actor,
            patient=patient,
            data=ConsentIn(
                consented_on=timezone.localdate(submission.consent_signed_at),
                text_version=submission.consent_version,
            ),
        )
    submission.status = IntakeSubmission.Status.ACCEPTED
    submission.reviewed_by = actor.user
    submission.reviewed_at = timezone.now()
    submission.save()
    audit_record(
        actor=actor,
        action="change",
        patient_id=patient.pk,
        obj=submission,
        detail="accepted into the record"
        + ("; consent confirmed" if submission.consent_id else ""),
    )
    return submission

"""The one write path for outcome questionnaires: schedules, patient links and responses.

Pages (tablet and link), the JSON API and the demo loader call these. Each runs in a
transaction and writes its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from imsclinic.accounts.models import User
from imsclinic.charting.models import Episode, TreatmentSession
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_account_event, audit_record
from imsclinic.core.errors import (
    FieldProblem,
    NotFound,
    Problems,
    RuleViolation,
    ValidationProblem,
)
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.measures import (
    MEASURES,
    ItemError,
    Score,
    WordingFileError,
    parse_item_wording,
    score,
)
from imsclinic.outcomes import selectors
from imsclinic.outcomes.models import (
    MeasureWording,
    QuestionnaireLink,
    QuestionnaireResponse,
    QuestionnaireSchedule,
)
from imsclinic.outcomes.schemas import LinkIn, ResponseIn, ScheduleIn

LINK_DAYS_DEFAULT = 7
LINK_DAYS_MAX = 30


def _check_measure(problems: Problems, code: str) -> str:
    code = code.strip().lower()
    if code not in MEASURES:
        problems.add(
            "measure_code",
            "unknown_measure",
            f"Unknown outcome measure '{code}'; choose one of {', '.join(MEASURES)}.",
        )
    return code


def wording_missing_message(code: str) -> str:
    measure = MEASURES[code]
    return (
        f"The {measure.abbreviation} cannot be sent to a patient: the clinic has not uploaded "
        f"its licensed wording, so the patient would see only topic labels. Upload the "
        f"clinic's licensed wording in Clinic settings > Questionnaire wording, or fill the "
        f"{measure.abbreviation} with the patient on the tablet at the visit."
    )


def check_patient_wording(
    problems: Problems, clinic_id: int, code: str, field: str = "measure_code"
) -> None:
    """A measure goes to a patient (link, e-mail, intake) only with wording they can answer:
    never bare topic labels and buttons."""
    if code in MEASURES and selectors.patient_wording(clinic_id, MEASURES[code]) is None:
        problems.add(field, "wording_missing", wording_missing_message(code))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def score_answers(code: str, items: list[object]) -> Score:
    """Score a form, turning the scoring core's item errors into field problems."""
    try:
        return score(code, items)  # type: ignore[arg-type]
    except ItemError as exc:
        field = str(exc.as_dict()["field"])
        raise ValidationProblem([FieldProblem(field, exc.code, exc.message + ".")]) from None


# Schedules --------------------------------------------------------------------------


@transaction.atomic
def schedule_add(*, actor: Actor, episode: Episode, data: ScheduleIn) -> QuestionnaireSchedule:
    require_role(actor, CLINICAL)
    problems = Problems()
    code = _check_measure(problems, data.measure_code)
    if data.timing not in QuestionnaireSchedule.Timing.values:
        problems.add("timing", "invalid", "When is 'intake', 'every_n' or 'discharge'.")
    every_n = data.every_n_sessions if data.timing == QuestionnaireSchedule.Timing.EVERY_N else None
    if data.timing == QuestionnaireSchedule.Timing.EVERY_N and (
        every_n is None or not 1 <= every_n <= 20
    ):
        problems.add("every_n_sessions", "out_of_range", "Give a number of sessions from 1 to 20.")
    if (
        not problems
        and QuestionnaireSchedule.objects.filter(
            clinic=actor.clinic, episode=episode, measure_code=code, timing=data.timing
        ).exists()
    ):
        problems.add("timing", "duplicate", "This measure is already scheduled at that time.")
    problems.raise_if_any()
    schedule = QuestionnaireSchedule.objects.create(
        clinic=actor.clinic,
        episode=episode,
        measure_code=code,
        timing=data.timing,
        every_n_sessions=every_n,
        created_by=actor.user,
    )
    audit_record(actor=actor, action="create", patient_id=episode.patient_id, obj=schedule)
    return schedule


# Links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    link: QuestionnaireLink
    token: str  # shown once, to be sent to the patient; never stored


@transaction.atomic
def link_create(*, actor: Actor, episode: Episode, data: LinkIn) -> IssuedLink:
    require_role(actor, CLINICAL)
    problems = Problems()
    code = _check_measure(problems, data.measure_code)
    check_patient_wording(problems, actor.clinic.pk, code)
    if not 1 <= data.expires_in_days <= LINK_DAYS_MAX:
        problems.add("expires_in_days", "out_of_range", f"A link lasts 1 to {LINK_DAYS_MAX} days.")
    problems.raise_if_any()
    if not episode.is_open:
        raise RuleViolation(
            "The episode is closed; reopen it before sending a questionnaire.",
            code="episode_closed",
        )
    token = secrets.token_urlsafe(32)
    link = QuestionnaireLink.objects.create(
        clinic=actor.clinic,
        episode=episode,
        measure_code=code,
        token_hash=token_hash(token),
        created_by=actor.user,
        expires_at=timezone.now() + dt.timedelta(days=data.expires_in_days),
    )
    audit_record(actor=actor, action="create", patient_id=episode.patient_id, obj=link)
    return IssuedLink(link=link, token=token)


class LinkGone(Exception):
    """A link that was valid once but is expired or already used: HTTP 410. ``link`` lets
    the page speak the patient's language; nothing of it is shown."""

    def __init__(self, reason: str, link: QuestionnaireLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def link_open(*, token: str, lock: bool = False) -> QuestionnaireLink:
    """The link for ``token``; ``NotFound`` for an unknown or altered token, ``LinkGone``
    for an expired or used one. Nothing about the patient is revealed in either case."""
    if not token or len(token) > 100:
        raise NotFound("This questionnaire link is not valid.")
    queryset = QuestionnaireLink.objects.select_related("episode__patient", "clinic")
    if lock:
        queryset = queryset.select_for_update(of=("self",))  # the link row only
    link = queryset.filter(token_hash=token_hash(token)).first()
    if link is None:
        raise NotFound("This questionnaire link is not valid.")
    if link.used_at is not None:
        raise LinkGone("used", link)
    if link.expires_at <= timezone.now():
        raise LinkGone("expired", link)
    return link


# Responses --------------------------------------------------------------------------


def _sessions_completed(episode: Episode, day: dt.date) -> int:
    return TreatmentSession.objects.filter(
        clinic_id=episode.clinic_id, episode=episode, session_date__lte=day
    ).count()


def _validated(data: ResponseIn) -> tuple[str, Score, list[str]]:
    problems = Problems()
    code = _check_measure(problems, data.measure_code)
    problems.raise_if_any()
    activities = [a.strip()[:120] for a in data.activities]
    if code == "psfs":
        for index, name in enumerate(activities[: len(data.items)]):
            if not name and index < len(data.items) and data.items[index] is not None:
                problems.add(f"activities.{index + 1}", "required", "Name the activity you rated.")
        problems.raise_if_any()
    return code, score_answers(code, list(data.items)), activities


def _response_create(
    *,
    episode: Episode,
    code: str,
    result: Score,
    items: list[int | None],
    activities: list[str],
    source: str,
    entered_by: User | None,
    link: QuestionnaireLink | None = None,
    answered_at: dt.datetime | None = None,
) -> QuestionnaireResponse:
    now = answered_at or timezone.now()
    return QuestionnaireResponse.objects.create(
        clinic_id=episode.clinic_id,
        episode=episode,
        patient_id=episode.patient_id,
        measure_code=code,
        answers=items,
        activities=activities if code == "psfs" else [],
        score=result.score,
        raw_score=result.raw,
        interpretation=result.interpretation[:300],
        answered_at=now,
        sessions_completed=_sessions_completed(episode, timezone.localdate(now)),
        source=source,
        entered_by=entered_by,
        link=link,
    )


@transaction.atomic
def response_record(
    *,
    actor: Actor,
    episode: Episode,
    data: ResponseIn,
    source: str = "tablet",
    answered_at: dt.datetime | None = None,
) -> QuestionnaireResponse:
    """A form completed in the clinic (staff hand the tablet over) or sent through the API.

    ``answered_at`` (default now) keeps the time a form imported from another system was
    answered; it cannot be in the future."""
    if answered_at is not None and answered_at > timezone.now():
        raise ValidationProblem(
            [FieldProblem("answered_at", "future", "A form cannot be answered in the future.")]
        )
    code, result, activities = _validated(data)
    items = [_plain(v) for v in data.items]
    response = _response_create(
        episode=episode,
        code=code,
        result=result,
        items=items,
        activities=activities,
        source=source,
        entered_by=actor.user,
        answered_at=answered_at,
    )
    audit_record(actor=actor, action="create", patient_id=episode.patient_id, obj=response)
    return response


@transaction.atomic
def response_record_from_link(
    *, token: str, data: ResponseIn, address: str | None = None
) -> QuestionnaireResponse:
    """A form the patient completed through their link. The link is locked, checked again
    and spent in the same transaction, so a double submit cannot record two responses."""
    link = link_open(token=token, lock=True)
    if selectors.patient_wording(link.clinic_id, MEASURES[link.measure_code]) is None:
        # The patient could only have seen topic labels: nothing is recorded and the link
        # stays unspent, to work again once the clinic uploads the wording.
        raise RuleViolation(wording_missing_message(link.measure_code), code="wording_missing")
    data = data.model_copy(update={"measure_code": link.measure_code})
    code, result, activities = _validated(data)
    response = _response_create(
        episode=link.episode,
        code=code,
        result=result,
        items=[_plain(v) for v in data.items],
        activities=activities,
        source=QuestionnaireResponse.Source.LINK,
        entered_by=None,
        link=link,
    )
    link.used_at = response.answered_at
    link.save(update_fields=["used_at", "updated_at"])
    # No staff user acts here, so the event is written as an account-less event naming
    # the link; the audit chain stays intact because it goes through core.audit.
    audit_account_event(
        action="create",
        username=f"questionnaire-link:{link.pk}",
        clinic=link.clinic,
        source="page",
        address=address,
        detail=(
            f"QuestionnaireResponse {response.pk} ({code}) for patient "
            f"{link.episode.patient_id}, episode {link.episode_id}, answered by the patient"
        ),
    )
    return response


def _plain(value: object) -> int | None:
    # score() has validated every answer as a whole number or None.
    return None if value is None else int(value)  # type: ignore[call-overload]


@transaction.atomic
def measure_wording_set(
    *, actor: Actor, measure_code: str, text: str, source: str = "upload"
) -> MeasureWording:
    """Store the clinic's licensed wording of a questionnaire (admins only), checked item by
    item against the measure: a shifted or short list would put the wrong question beside a
    patient's answer. ``text`` is the JSON ``{"items": [...]}``; nothing is stored unless
    it is whole."""
    require_role(actor, ADMINS)
    code = measure_code.strip().lower()
    if code not in MEASURES:
        raise ValidationProblem(
            [FieldProblem("measure_code", "unknown", f"Choose one of: {', '.join(MEASURES)}.")]
        )
    try:
        items = parse_item_wording(code, text, source)
    except WordingFileError as exc:
        raise ValidationProblem(
            [
                FieldProblem(
                    "wording", "invalid", f"{exc.problem}. Fix the file and upload it again."
                )
            ]
        ) from None
    wording = MeasureWording.objects.create(
        clinic=actor.clinic, measure_code=code, items=list(items), uploaded_by=actor.user
    )
    audit_record(
        actor=actor, action="change", obj=wording, detail=f"{code} wording, {len(items)} items"
    )
    return wording

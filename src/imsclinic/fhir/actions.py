"""The FHIR write path: bulk-export jobs, and importing a transaction Bundle.

An import goes through the same actions as the pages (patients.patient_register,
charting.episode_open / episode_close, outcomes.response_record), all in one transaction:
either every entry is stored or none is. Every problem of every entry is collected first
and reported together, each at ``Bundle.entry[i].resource.<path>``.

Size: export jobs and the transaction import; the import plans every entry, then writes,
and both halves share the entry-planning types.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from imsclinic.charting import actions as charting
from imsclinic.charting.models import Episode
from imsclinic.charting.schemas import EpisodeIn
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import DomainError, RuleViolation, ValidationProblem
from imsclinic.core.permissions import ADMINS, CLINICAL, require_role
from imsclinic.fhir import bulk
from imsclinic.fhir.importing import Entry, Problems
from imsclinic.fhir.models import ExportJob
from imsclinic.fhir.translators import condition, episode_of_care, patient, questionnaire_response
from imsclinic.fhir.translators.common import Context
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.schemas import ResponseIn
from imsclinic.patients import actions as patients
from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import PatientIn

T = TypeVar("T")

EXPORT_HOURS = 24


# Bulk export ------------------------------------------------------------------------------


@transaction.atomic
def export_kickoff(
    *,
    actor: Actor,
    level: str,
    types: list[str],
    since: dt.datetime | None,
    request_url: str,
    group_id: str = "",
) -> ExportJob:
    """Accept an export; the caller starts it (bulk.start) once this has committed."""
    require_role(
        actor, ADMINS, "Bulk export of the clinic's records is open to clinic admins only."
    )
    hours = getattr(settings, "IMSCLINIC_FHIR_EXPORT_HOURS", EXPORT_HOURS)
    for old in ExportJob.objects.filter(
        clinic=actor.clinic, expires_at__lte=timezone.now()
    ).exclude(status=ExportJob.Status.CANCELLED):
        bulk.remove_files(old)
        ExportJob.objects.filter(pk=old.pk).update(status=ExportJob.Status.CANCELLED)
    job = ExportJob.objects.create(
        clinic=actor.clinic,
        requested_by=actor.user,
        request_url=request_url[:2000],
        level=level,
        group_id=group_id,
        types=types,
        since=since,
        expires_at=timezone.now() + dt.timedelta(hours=hours),
    )
    audit_record(
        actor=actor,
        action="export",
        obj=job,
        detail=f"FHIR $export {level}{' ' + group_id if group_id else ''}: {', '.join(types)}"
        + (f" since {since.isoformat()}" if since else ""),
    )
    return job


@transaction.atomic
def export_delete(*, actor: Actor, job: ExportJob) -> None:
    """Cancel a running export or delete a finished one's files (DELETE on its status URL)."""
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.CANCELLED, updated_at=timezone.now()
    )
    bulk.remove_files(job)
    audit_record(actor=actor, action="change", obj=job, detail="FHIR export cancelled or deleted")


def export_file_opened(*, actor: Actor, job: ExportJob, name: str) -> None:
    audit_record(
        actor=actor, action="export", obj=job, detail=f"FHIR export file {name} downloaded"
    )


# Import -----------------------------------------------------------------------------------


class ImportRejected(Exception):
    """Nothing was stored; ``problems`` lists every reason, by entry and path."""

    def __init__(self, problems: Problems, status: int = 422) -> None:
        super().__init__(f"{len(problems.items)} problem(s)")
        self.problems = problems
        self.status = status


@dataclass(frozen=True)
class Created:
    index: int
    location: str  # "Patient/12"


@dataclass
class _Plan:
    entries: list[Entry] = field(default_factory=list)
    by_url: dict[str, Entry] = field(default_factory=dict)
    patients: dict[int, PatientIn] = field(default_factory=dict)
    inactive: set[int] = field(default_factory=set)
    episodes: dict[int, dict[str, Any]] = field(default_factory=dict)  # Condition index -> values
    episode_patient: dict[int, tuple[str, int]] = field(default_factory=dict)
    care: dict[int, int] = field(default_factory=dict)  # EpisodeOfCare index -> Condition index
    responses: dict[int, ResponseIn] = field(default_factory=dict)
    response_target: dict[int, tuple[tuple[str, int], tuple[str, int] | None]] = field(
        default_factory=dict
    )
    authored: dict[int, dt.datetime | None] = field(default_factory=dict)


IMPORTABLE = ("Patient", "Condition", "EpisodeOfCare", "QuestionnaireResponse")


def _entries(bundle: Any, problems: Problems) -> list[Entry]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        problems.add(None, "Bundle", "structure", "Send a Bundle resource (resourceType 'Bundle').")
        raise ImportRejected(problems, 400)
    if bundle.get("type") != "transaction":
        problems.add(
            None,
            "Bundle.type",
            "not-supported",
            "Only transaction Bundles are accepted (type 'transaction').",
        )
        raise ImportRejected(problems, 400)
    raw = bundle.get("entry") or []
    if not isinstance(raw, list) or not raw:
        problems.add(None, "Bundle.entry", "required", "The Bundle has no entries to import.")
        raise ImportRejected(problems, 400)
    entries = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            problems.add(
                index, "Bundle.entry", "required", f"Bundle.entry[{index}] has no resource."
            )
            continue
        entry = Entry(index=index, resource=resource, full_url=str(item.get("fullUrl") or ""))
        request = item.get("request") or {}
        if request.get("method") != "POST":
            problems.add(
                index,
                f"{entry.resource_type}",
                "not-supported",
                f"Bundle.entry[{index}].request.method must be POST (create); updates are not imported.",
            )
        if entry.resource_type not in IMPORTABLE:
            problems.add(
                index,
                entry.resource_type or "Resource",
                "not-supported",
                f"{entry.resource_type or 'This resource'} cannot be imported; send only {', '.join(IMPORTABLE)}.",
            )
            continue
        entries.append(entry)
    return entries


def _index(plan: _Plan) -> None:
    for entry in plan.entries:
        if entry.full_url:
            plan.by_url[entry.full_url] = entry
        resource_id = entry.resource.get("id")
        if resource_id:
            plan.by_url[f"{entry.resource_type}/{resource_id}"] = entry


def _resolve(
    plan: _Plan,
    entry: Entry,
    reference: Any,
    kind: str,
    path: str,
    problems: Problems,
    actor: Actor,
) -> tuple[str, int] | None:
    """('bundle', entry index) or ('server', pk) for a reference to ``kind``, else None."""
    text = (reference or {}).get("reference") if isinstance(reference, dict) else None
    if not text:
        entry.problem_at(problems, path, "required", f"{path} must refer to a {kind}.")
        return None
    target = plan.by_url.get(text)
    if target is None and "/" in text and not text.startswith("urn:"):
        target = plan.by_url.get("/".join(text.rstrip("/").split("/")[-2:]))
    if target is not None:
        if target.resource_type != kind:
            entry.problem_at(
                problems,
                path,
                "invalid",
                f"{path} refers to a {target.resource_type}, not a {kind}.",
            )
            return None
        return ("bundle", target.index)
    parts = text.rstrip("/").split("/")
    model = {"Patient": Patient, "EpisodeOfCare": Episode}.get(kind)
    if (
        len(parts) >= 2
        and parts[-2] == kind
        and parts[-1].isdigit()
        and model is not None
        and model._default_manager.filter(clinic=actor.clinic, pk=int(parts[-1])).exists()
    ):
        return ("server", int(parts[-1]))
    entry.problem_at(
        problems,
        path,
        "not-found",
        f"{path} refers to {text}, which is neither an entry of this Bundle nor a {kind} of this clinic.",
    )
    return None


def _authored(entry: Entry, problems: Problems) -> dt.datetime | None:
    text = entry.resource.get("authored")
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        entry.problem_at(
            problems,
            "QuestionnaireResponse.authored",
            "invalid",
            "authored is not a FHIR dateTime.",
        )
        return None
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


def _plan(actor: Actor, bundle: Any, problems: Problems) -> _Plan:
    plan = _Plan(entries=_entries(bundle, problems))
    _index(plan)
    ctx = Context.for_clinic(actor.clinic.pk)
    health_numbers: dict[str, int] = {}
    for entry in plan.entries:
        if entry.resource_type == "Patient":
            data = patient.to_input(entry, problems, ctx)
            if data is not None:
                plan.patients[entry.index] = data
                if entry.resource.get("active") is False:
                    plan.inactive.add(entry.index)
                if data.health_number:
                    _check_health_number(actor, entry, data.health_number, health_numbers, problems)
    for entry in plan.entries:
        if entry.resource_type == "Condition":
            plan.episodes[entry.index] = condition.episode_values(entry, problems)
            subject = _resolve(
                plan,
                entry,
                entry.resource.get("subject"),
                "Patient",
                "Condition.subject",
                problems,
                actor,
            )
            if subject is not None:
                plan.episode_patient[entry.index] = subject
    for entry in plan.entries:
        if entry.resource_type == "EpisodeOfCare":
            _plan_episode_of_care(plan, entry, problems, actor)
    for entry in plan.entries:
        if entry.resource_type == "QuestionnaireResponse":
            _plan_response(plan, entry, problems, actor)
    return plan


def _check_health_number(
    actor: Actor, entry: Entry, number: str, seen: dict[str, int], problems: Problems
) -> None:
    if number in seen:
        entry.problem_at(
            problems,
            "Patient.identifier",
            "duplicate",
            f"Health number {number} is also on Bundle.entry[{seen[number]}]: send each patient once.",
        )
    seen[number] = entry.index
    existing = (
        Patient.objects.filter(clinic=actor.clinic, health_number=number)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        entry.problem_at(
            problems,
            "Patient.identifier",
            "duplicate",
            f"Health number {number} is already registered in this clinic as Patient/{existing}; "
            "refer to it instead of sending the patient again.",
        )


def _plan_episode_of_care(plan: _Plan, entry: Entry, problems: Problems, actor: Actor) -> None:
    diagnoses = entry.resource.get("diagnosis") or []
    target = None
    if diagnoses:
        target = _resolve(
            plan,
            entry,
            diagnoses[0].get("condition"),
            "Condition",
            "EpisodeOfCare.diagnosis[0].condition",
            problems,
            actor,
        )
    else:
        entry.problem_at(
            problems,
            "EpisodeOfCare.diagnosis",
            "required",
            "Name the episode's Condition (an entry of this Bundle) in diagnosis[0].condition.",
        )
    if target is None:
        return
    if target[0] != "bundle":
        entry.problem_at(
            problems,
            "EpisodeOfCare.diagnosis[0].condition",
            "not-supported",
            "The Condition must be an entry of this Bundle.",
        )
        return
    if target[1] in plan.care.values():
        entry.problem_at(
            problems,
            "EpisodeOfCare.diagnosis[0].condition",
            "duplicate",
            "Another EpisodeOfCare already names this Condition.",
        )
        return
    plan.care[entry.index] = target[1]
    values = episode_of_care.episode_values(entry, problems)
    plan.episodes.setdefault(target[1], {}).update(values)
    patient_ref = _resolve(
        plan,
        entry,
        entry.resource.get("patient"),
        "Patient",
        "EpisodeOfCare.patient",
        problems,
        actor,
    )
    if patient_ref is not None and plan.episode_patient.get(target[1]) not in (None, patient_ref):
        entry.problem_at(
            problems,
            "EpisodeOfCare.patient",
            "invalid",
            "The EpisodeOfCare and its Condition name different patients.",
        )


def _plan_response(plan: _Plan, entry: Entry, problems: Problems, actor: Actor) -> None:
    data = questionnaire_response.to_input(entry, problems)
    subject = _resolve(
        plan,
        entry,
        entry.resource.get("subject"),
        "Patient",
        "QuestionnaireResponse.subject",
        problems,
        actor,
    )
    episode_ref = None
    for index, ext in enumerate(entry.resource.get("extension") or []):
        if ext.get("url") == questionnaire_response.EPISODE_OF_CARE:
            episode_ref = _resolve(
                plan,
                entry,
                ext.get("valueReference"),
                "EpisodeOfCare",
                f"QuestionnaireResponse.extension[{index}]",
                problems,
                actor,
            )
            if episode_ref is None:
                return
    plan.authored[entry.index] = _authored(entry, problems)
    if data is not None and subject is not None:
        plan.responses[entry.index] = data
        plan.response_target[entry.index] = (subject, episode_ref)


def _attempt(
    problems: Problems, entry: Entry, paths: dict[str, str], work: Callable[[], T]
) -> T | None:
    """Run one entry's action in a savepoint; its domain errors become entry problems."""
    try:
        with transaction.atomic():
            return work()
    except ValidationProblem as exc:
        entry.field_problems(problems, exc.problems, paths)
    except RuleViolation as exc:
        path = paths.get(exc.field or "", entry.resource_type)
        entry.problem_at(problems, path, "business-rule", exc.message)
    except DomainError as exc:
        entry.problem_at(problems, entry.resource_type, "business-rule", exc.message)
    return None


def import_transaction(*, actor: Actor, bundle: Any) -> list[Created]:
    """Store every entry of a transaction Bundle through the app's actions, or none of them."""
    require_role(
        actor,
        CLINICAL,
        "Importing clinical records is open to practitioners and clinic admins only.",
    )
    problems = Problems()
    plan = _plan(actor, bundle, problems)
    if problems:
        raise ImportRejected(problems)
    with transaction.atomic():
        created = _store(actor, plan, problems)
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ImportRejected(problems)
    return sorted(created, key=lambda c: c.index)


def _store(actor: Actor, plan: _Plan, problems: Problems) -> list[Created]:
    """Write the planned entries in dependency order: patients, episodes, forms, archiving."""
    by_index = {entry.index: entry for entry in plan.entries}
    created: list[Created] = []
    stored_patients: dict[int, Patient] = {}
    for index, patient_in in plan.patients.items():
        register = functools.partial(patients.patient_register, actor=actor, data=patient_in)
        stored = _attempt(problems, by_index[index], patient.FIELD_PATHS, register)
        if stored is not None:
            stored_patients[index] = stored
            created.append(Created(index, f"Patient/{stored.pk}"))
    stored_episodes: dict[int, Episode] = {}
    for index, values in plan.episodes.items():
        entry = by_index[index]
        owner = _patient_for(plan.episode_patient.get(index), stored_patients, actor)
        closed_on = values.pop("closed_on", None)
        episode_in = condition.to_input(values, entry, problems)
        if owner is None or episode_in is None:
            continue
        open_it = functools.partial(_open_episode, actor, owner, episode_in, closed_on)
        episode = _attempt(problems, entry, condition.FIELD_PATHS, open_it)
        if episode is not None:
            stored_episodes[index] = episode
            created.append(Created(index, f"Condition/{episode.pk}"))
    for care_index, condition_index in plan.care.items():
        if condition_index in stored_episodes:
            location = f"EpisodeOfCare/{stored_episodes[condition_index].pk}"
            created.append(Created(care_index, location))
    for index, response_in in plan.responses.items():
        entry = by_index[index]
        subject, episode_ref = plan.response_target[index]
        owner = _patient_for(subject, stored_patients, actor)
        if owner is None:
            continue
        episode = _episode_for(plan, entry, owner, episode_ref, stored_episodes, problems)
        if episode is None:
            continue
        record = functools.partial(
            outcomes.response_record,
            actor=actor,
            episode=episode,
            data=response_in,
            source="api",
            answered_at=plan.authored[index],
        )
        paths = _ResponsePaths(entry, {"answered_at": "QuestionnaireResponse.authored"})
        response = _attempt(problems, entry, paths, record)
        if response is not None:
            created.append(Created(index, f"QuestionnaireResponse/{response.pk}"))
    for index in sorted(plan.inactive):
        if index in stored_patients:
            archive = functools.partial(
                patients.patient_archive,
                actor=actor,
                patient=stored_patients[index],
                reason="Imported as inactive (FHIR Patient.active = false)",
            )
            _attempt(problems, by_index[index], {"": "Patient.active"}, archive)
    return created


class _ResponsePaths(dict[str, str]):
    """Scoring errors name items ('items.3'): map each to its answer's path in the form."""

    def __init__(self, entry: Entry, fixed: dict[str, str]) -> None:
        super().__init__(fixed)
        self.entry = entry

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key in self:
            return self[key]
        if key.startswith(("items", "activities")):
            return questionnaire_response.item_path(self.entry.resource, key)
        return default


def _open_episode(actor: Actor, owner: Patient, data: EpisodeIn, closed_on: str | None) -> Episode:
    episode = charting.episode_open(actor=actor, patient=owner, data=data)
    if closed_on:
        try:
            day = dt.date.fromisoformat(closed_on)
        except ValueError:
            raise ValidationProblem([_closed_problem()]) from None
        episode = charting.episode_close(actor=actor, episode=episode, closed_on=day)
    return episode


def _closed_problem() -> Any:
    from imsclinic.core.errors import FieldProblem

    return FieldProblem("closed_on", "invalid", "period.end is not a date (YYYY-MM-DD).")


def _patient_for(
    ref: tuple[str, int] | None, stored: dict[int, Patient], actor: Actor
) -> Patient | None:
    if ref is None:
        return None
    kind, key = ref
    if kind == "bundle":
        return stored.get(key)
    return Patient.objects.filter(clinic=actor.clinic, pk=key).first()


def _episode_for(
    plan: _Plan,
    entry: Entry,
    owner: Patient,
    episode_ref: tuple[str, int] | None,
    stored: dict[int, Episode],
    problems: Problems,
) -> Episode | None:
    if episode_ref is not None:
        kind, key = episode_ref
        if kind == "bundle":
            episode = stored.get(plan.care.get(key, -1))
        else:
            episode = Episode.objects.filter(clinic_id=owner.clinic_id, pk=key).first()
        if episode is not None and episode.patient_id != owner.pk:
            entry.problem_at(
                problems,
                "QuestionnaireResponse.extension",
                "invalid",
                "The episode of care belongs to another patient.",
            )
            return None
        return episode
    candidates = [e for i, e in stored.items() if e.patient_id == owner.pk]
    if not candidates:
        candidates = list(Episode.objects.filter(clinic_id=owner.clinic_id, patient=owner)[:2])
    if len(candidates) == 1:
        return candidates[0]
    entry.problem_at(
        problems,
        "QuestionnaireResponse.extension",
        "required",
        "Name the episode of care with the extension "
        f"{questionnaire_response.EPISODE_OF_CARE} (the patient has "
        f"{'no' if not candidates else 'several'} episodes).",
    )
    return None

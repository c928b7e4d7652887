"""Treatment sessions: the tablet form (muscle by muscle, with the needling rules' refusals and
acknowledgements beside their fields), editing a draft, signing, the read-only note, and
amendments to signed notes."""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.accounts.selectors import authorizations_current_on
from imsclinic.anatomy import CHART_REGIONS, PARASPINAL_LEVELS, get_catalog
from imsclinic.charting import actions, reasoning, selectors
from imsclinic.charting.events import session_form_initial
from imsclinic.charting.models import Insertion, TreatmentSession
from imsclinic.charting.schemas import (
    AmendmentIn,
    SessionIn,
)
from imsclinic.charting.views.assessments import (
    _assessment_detail_context,
)
from imsclinic.charting.views.common import (
    _muscle_names,
)
from imsclinic.charting.vocabulary import (
    ADVERSE_EVENT_KIND,
    NEEDLING_PHASE,
    SENSATION,
    SEVERITY,
    SIDE,
    TWITCH,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_form_view, audit_view
from imsclinic.core.errors import (
    AcknowledgementRequired,
    DomainError,
    SignedNoteConflict,
    ValidationProblem,
)
from imsclinic.core.form_input import blank_to_none, field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.patients.selectors import current_consent, patient_get
from imsclinic.rules.needling import REQUIRED_AUTHORIZATIONS
from imsclinic.rules.ranges import (
    DEFAULT_NEEDLE_DIAMETER_MM,
    DEFAULT_NEEDLE_LENGTH_MM,
    MOVEMENTS,
    NEEDLE_DIAMETERS_OFFERED,
    NEEDLE_LENGTHS_OFFERED,
)

# A new insertion row's needle as the form posts it (sizes: rules/ranges.py, the one place).


# A new insertion row's needle as the form posts it (sizes: rules/ranges.py, the one place).
_NEEDLE_DEFAULTS = {
    "needle_diameter_mm": str(DEFAULT_NEEDLE_DIAMETER_MM),
    "needle_length_mm": str(DEFAULT_NEEDLE_LENGTH_MM),
}


def _session_values(request: HttpRequest) -> dict[str, Any]:
    values = nested_from_post(request.POST, list_fields=("acknowledged",))
    values["insertions"] = [i for i in values.get("insertions", []) if i.get("muscle", "").strip()]
    values["rom"] = [r for r in values.get("rom", []) if str(r.get("degrees", "")).strip()]
    values["adverse_events"] = [a for a in values.get("adverse_events", []) if a.get("kind", "")]
    values.setdefault("acknowledged", [])
    return blank_to_none(values, "pain_after", "appointment_id")


def _insertion_row(insertion: Insertion, names: dict[str, str]) -> dict[str, Any]:
    return {
        "muscle": names.get(insertion.muscle_id, insertion.muscle_id),
        "side": insertion.side,
        "level": insertion.level,
        "needle_diameter_mm": str(insertion.needle_diameter_mm),
        "needle_length_mm": str(insertion.needle_length_mm),
        "needle_lot": insertion.needle_lot,
        "twitch": insertion.twitch,
        "sensation": insertion.sensation,
        "notes": insertion.notes,
    }


def _acknowledgements(patient: Any, pending: list[Any]) -> list[tuple[str, str]]:
    rows = [(p.code, p.message) for p in patient.relative_precautions]
    listed = {code for code, _ in rows}
    return rows + [(w.code, w.message) for w in pending if w.code not in listed]


def _repeat_row(insertion: Insertion, names: dict[str, str]) -> dict[str, Any]:
    """Last session's site, side, level and needle size. Its twitch, sensation and needle
    lot start empty: they are today's observations (and today's pack), so an unedited
    repeat is refused until they are entered, never saved as last week's."""
    return {**_insertion_row(insertion, names), "twitch": "", "sensation": "", "needle_lot": ""}


def _session_context(
    actor: Actor,
    patient: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    warnings: list[Any] | None = None,
    session: Any = None,
) -> dict[str, Any]:
    today = timezone.localdate()
    authorizations = authorizations_current_on(actor.user, today)
    missing_authorizations = [
        label for kind, label in REQUIRED_AUTHORIZATIONS.items() if kind not in authorizations
    ]
    insertions = values.get("insertions") or []
    blank = {
        "side": "",
        **_NEEDLE_DEFAULTS,
        "twitch": "none",
        "sensation": "none",
        "needle_lot": "",
    }
    if insertions:
        blank["needle_lot"] = insertions[-1].get("needle_lot", "")
        for name, default in _NEEDLE_DEFAULTS.items():
            blank[name] = insertions[-1].get(name, default)
    catalog = get_catalog()
    return {
        "patient": patient,
        "values": values,
        "errors": errors,
        "session": session,
        "episodes": [
            e
            for e in patient.episodes.all()
            if e.is_open or (session and e.pk == session.episode_id)
        ],
        "insertion_rows": [*insertions, blank],
        "blank_row": blank,
        "rom_rows": values.get("rom") or [{}],
        "ae_rows": values.get("adverse_events") or [],
        "muscles": catalog.muscles,
        "paraspinal_names": [m.name for m in catalog.muscles if m.is_paraspinal],
        "levels": PARASPINAL_LEVELS,
        "diameters": NEEDLE_DIAMETERS_OFFERED,
        "lengths": NEEDLE_LENGTHS_OFFERED,
        "sides": SIDE.choices,
        "rom_phases": NEEDLING_PHASE.choices,
        "twitches": TWITCH.choices,
        "sensations": SENSATION.choices,
        "ae_kinds": ADVERSE_EVENT_KIND.choices,
        "ae_severities": SEVERITY.choices,
        "movements": MOVEMENTS.values(),
        # The patient's relative precautions, then any site-level warning the rules raised
        # on the last save (lymph quadrant, nodes removed, under 18): each needs a tick.
        "relative": _acknowledgements(patient, warnings or []),
        "pending_warnings": warnings or [],
        "consent": current_consent(patient, today),
        "missing_authorizations": missing_authorizations,
        "acknowledged": set(values.get("acknowledged") or []),
    }


def _save_session(
    request: HttpRequest, actor: Actor, patient: Any, session: Any
) -> tuple[Any, dict[str, str], list[Any]]:
    values = _session_values(request)
    try:
        data = parse_input(
            SessionIn,
            values,
            checks=lambda d: actions.session_check(actor=actor, patient=patient, data=d),
        )
        if session is None:
            session = actions.session_record(actor=actor, patient=patient, data=data)
        else:
            session = actions.session_update(actor=actor, session=session, data=data)
        if request.POST.get("sign"):
            actions.session_sign(actor=actor, session=session)
        return session, {}, []
    except ValidationProblem as exc:
        return values, field_errors(exc), []
    except AcknowledgementRequired as exc:
        return values, {"acknowledged": exc.message}, exc.warnings
    except DomainError as exc:
        return values, {getattr(exc, "field", None) or "form": exc.message, "form": exc.message}, []


@clinic_view(roles=CLINICAL)
def session_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method == "GET":  # the form shows the patient's details and precautions
        audit_form_view(actor, patient, "SessionForm")
    open_episodes = [e for e in patient.episodes.all() if e.is_open]
    values: dict[str, Any] = {
        "session_date": timezone.localdate().isoformat(),
        "episode_id": str(open_episodes[0].pk) if open_episodes else "",
        "insertions": [],
    }
    for _receiver, initial in session_form_initial.send(
        sender=TreatmentSession, actor=actor, patient=patient, query=request.GET
    ):
        if isinstance(initial, dict):  # e.g. charted from an appointment: links them
            values.update(initial)
    if request.GET.get("plan"):
        assessment = selectors.assessment_get(actor=actor, assessment_id=request.GET["plan"])
        if assessment.patient_id == patient.pk:
            plan = reasoning.plan_dict(
                reasoning.plan_for(
                    patient,
                    reasoning.rows_of_assessment(assessment),
                    reasoning.signs_of_assessment(assessment),
                )[1]
            )
            values["insertions"] = [
                {
                    "muscle": site["muscle"],
                    "side": site["side"],
                    "level": site["level"] or "",
                    **_NEEDLE_DEFAULTS,
                    "twitch": "none",
                    "sensation": "none",
                }
                for site in plan["sites"]
                if not site["blocked"]
            ]
            values["episode_id"] = str(assessment.episode_id)
    elif request.GET.get("repeat"):
        names = _muscle_names()
        values["insertions"] = [
            _repeat_row(i, names)
            for i in selectors.last_session_insertions(actor=actor, patient=patient)
        ]
    errors: dict[str, str] = {}
    warnings: list[Any] = []
    if request.method == "POST":
        result, errors, warnings = _save_session(request, actor, patient, None)
        if not errors:
            return redirect("session_detail", session_id=result.pk)
        values = result
    return render(
        request,
        "charting/session_form.html",
        _session_context(actor, patient, values, errors, warnings),
        status=422 if errors else 200,
    )


@clinic_view(roles=CLINICAL)
def session_edit(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = selectors.session_get(actor=actor, session_id=session_id)
    if session.is_signed:
        # Say why instead of silently showing the note: 409, as the API answers a change.
        return render(
            request,
            "charting/signed_note_locked.html",
            {"session": session, "patient": session.patient},
            status=409,
        )
    if request.method == "GET":  # the draft and the patient's precautions
        audit_view(actor=actor, patient_id=session.patient_id, obj=session)
    names = _muscle_names()
    values: dict[str, Any] = {
        "episode_id": str(session.episode_id),
        "session_date": session.session_date.isoformat(),
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "notes": session.notes,
        "insertions": [_insertion_row(i, names) for i in session.insertions.all()],
        "rom": [
            {"movement": r.movement, "side": r.side, "degrees": r.degrees, "phase": r.phase}
            for r in session.rom.all()
        ],
        "adverse_events": [
            {
                "kind": a.kind,
                "severity": a.severity,
                "description": a.description,
                "action_taken": a.action_taken,
            }
            for a in session.adverse_events.all()
        ],
        "acknowledged": session.acknowledged,
    }
    errors: dict[str, str] = {}
    warnings: list[Any] = []
    if request.method == "POST":
        result, errors, warnings = _save_session(request, actor, session.patient, session)
        if not errors:
            return redirect("session_detail", session_id=session.pk)
        values = result
    return render(
        request,
        "charting/session_form.html",
        _session_context(actor, session.patient, values, errors, warnings, session),
        status=422 if errors else 200,
    )


@clinic_view(roles=CLINICAL)
def session_detail(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = selectors.session_get(actor=actor, session_id=session_id)
    audit_view(actor=actor, patient_id=session.patient_id, obj=session)
    insertions = list(session.insertions.all())
    twitches = sum(1 for i in insertions if i.twitch != "none")
    return render(
        request,
        "charting/session_detail.html",
        {
            "session": session,
            "patient": session.patient,
            "muscle_names": _muscle_names(),
            "insertions": insertions,
            "twitches": twitches,
            "integrity": session.integrity,  # type: ignore[attr-defined]
            "errors": {},
            "values": {},
        },
    )


@clinic_view(roles=CLINICAL)
def session_sign(request: HttpRequest, actor: Actor, session_id: int) -> HttpResponse:
    session = selectors.session_get(actor=actor, session_id=session_id)
    if request.method == "POST":
        with contextlib.suppress(SignedNoteConflict):
            actions.session_sign(actor=actor, session=session)
    return redirect("session_detail", session_id=session.pk)


@clinic_view(roles=CLINICAL)
def note_amend(request: HttpRequest, actor: Actor, kind: str, note_id: int) -> HttpResponse:
    if kind == "session":
        note: Any = selectors.session_get(actor=actor, session_id=note_id)
        template, target = "charting/session_detail.html", "session_detail"
    else:
        note = selectors.assessment_get(actor=actor, assessment_id=note_id)
        template, target = "charting/assessment_detail.html", "assessment_detail"
    values = nested_from_post(request.POST) if request.method == "POST" else {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            actions.amendment_add(actor=actor, note=note, data=parse_input(AmendmentIn, values))
            return redirect(target, note.pk)
        except ValidationProblem as exc:
            errors = field_errors(exc)
        except DomainError as exc:
            errors = {"form": exc.message}
    context: dict[str, Any] = {
        "patient": note.patient,
        "muscle_names": _muscle_names(),
        "errors": errors,
        "values": values,
        kind: note,
    }
    if kind == "session":
        context["insertions"] = list(note.insertions.all())
        context["twitches"] = sum(1 for i in context["insertions"] if i.twitch != "none")
        context["integrity"] = note.integrity
    else:
        context["integrity"] = note.integrity
        context["region_labels"] = CHART_REGIONS
        context.update(_assessment_detail_context(note))
    return render(request, template, context, status=422 if errors else 200)

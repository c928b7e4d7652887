"""Pages of the patients' side. Staff pages (send a link, review an intake) use
``clinic_view``; patients reach theirs by single-use links, with no account.

Public pages keep ``Referrer-Policy: same-origin`` so Chromium posts their forms with the
real Origin (``no-referrer`` makes it send ``Origin: null``, which the CSRF check refuses).

Size: every page a patient opens without a staff account, so the public surface (links,
rate limits, no disclosure, referrer policy) is reviewed in one file.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from imsclinic.anatomy import CHART_REGIONS
from imsclinic.billing import selectors as billing
from imsclinic.billing.receipt import receipt_pdf
from imsclinic.charting.body_chart import views_context
from imsclinic.charting.models import Episode
from imsclinic.core.actors import Actor, client_address
from imsclinic.core.audit import audit_view
from imsclinic.core.errors import DomainError, NotFound, ValidationProblem
from imsclinic.core.form_input import field_errors, parse_input
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.measures import MEASURES
from imsclinic.outcomes import selectors as outcomes
from imsclinic.outcomes.views import _form_errors, _questionnaire_context, form_answers
from imsclinic.patients.consent_texts import CONSENT_TEXTS
from imsclinic.patients.models import Patient
from imsclinic.patients.selectors import patient_get
from imsclinic.plots.pain import pain_course_svg
from imsclinic.portal import actions, pain_map, selectors
from imsclinic.portal.intake_questions import (
    LIMB_QUESTIONS,
    PRECAUTION_LABELS,
    PRECAUTION_QUESTIONS,
    RED_FLAGS,
)
from imsclinic.portal.learn import BY_SLUG, TOPICS
from imsclinic.portal.models import IntakeLink
from imsclinic.portal.schemas import IntakeAcceptIn, IntakeIn, IntakeLinkIn, LinkEmailIn
from imsclinic.rules.precautions import LIMB_LIST_FIELDS
from imsclinic.scheduling.actions.online import throttle
from imsclinic.scheduling.config import settings_for


def _problem_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationProblem):
        return " ".join(problem.message for problem in exc.problems)
    return exc.message


PATIENT_LANGUAGES = ("en", "fr")


def request_language(request: HttpRequest) -> str:
    """English or French for a page with no patient behind it: ``?lang=`` if given, else
    the browser's preference."""
    asked = request.GET.get("lang", "")
    if asked in PATIENT_LANGUAGES:
        return asked
    preferred = translation.get_language_from_request(request)
    return "fr" if preferred.startswith("fr") else "en"


def patient_language(patient: Patient) -> str:
    return patient.preferred_language if patient.preferred_language in PATIENT_LANGUAGES else "en"


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    with translation.override(request_language(request)):
        return _public(render(request, "portal/link_gone.html", {"reason": reason}, status=status))


# Questionnaire links by e-mail ---------------------------------------------------------


@clinic_view(roles=CLINICAL)
def questionnaire_link_email(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    episode = outcomes.episode_for_outcomes(actor=actor, episode_id=episode_id)
    if request.method != "POST":
        return redirect("episode_progress", episode_id=episode.pk)
    values = {
        "measure_code": request.POST.get("measure_code", ""),
        "expires_in_days": request.POST.get("expires_in_days") or 7,
    }
    try:
        link = actions.questionnaire_link_email(
            actor=actor, episode=episode, data=parse_input(LinkEmailIn, values)
        )
    except DomainError as exc:
        messages.error(request, f"The link was not sent. {_problem_text(exc)}")
    else:
        messages.success(
            request,
            f"{link.get_measure_code_display()} link e-mailed to {episode.patient.email}; "
            f"it works once and expires {link.expires_at:%Y-%m-%d}.",
        )
    return redirect("episode_progress", episode_id=episode.pk)


# Intake: staff --------------------------------------------------------------------------


@clinic_view(roles=CLINICAL)
def intake_link_email(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method != "POST":
        return redirect("patient_chart", patient_id=patient.pk)
    values = {
        "episode_id": request.POST.get("episode_id") or None,
        "measure_code": request.POST.get("measure_code", ""),
        "expires_in_days": request.POST.get("expires_in_days") or 14,
    }
    try:
        link = actions.intake_link_send(
            actor=actor, patient=patient, data=parse_input(IntakeLinkIn, values)
        )
    except DomainError as exc:
        messages.error(request, f"The intake form was not sent. {_problem_text(exc)}")
    else:
        messages.success(
            request,
            f"Intake form e-mailed to {patient.email}; the link works once and expires "
            f"{link.expires_at:%Y-%m-%d}.",
        )
    return redirect("patient_chart", patient_id=patient.pk)


def _review_context(actor: Actor, patient_id: int, **extra: Any) -> dict[str, Any]:
    patient = patient_get(actor=actor, patient_id=patient_id)
    submission = selectors.intake_latest(actor=actor, patient_id=patient.pk)
    if submission is None:
        return {"patient": patient, "submission": None}
    audit_view(actor=actor, patient_id=patient.pk, obj=submission)
    episodes = [
        e for e in Episode.objects.filter(clinic=actor.clinic, patient=patient) if e.is_open
    ]
    measure = MEASURES.get(submission.baseline_measure_code)
    context: dict[str, Any] = {
        "patient": patient,
        "submission": submission,
        "flags": selectors.red_flags(submission),
        "precautions": [PRECAUTION_LABELS.get(c, c) for c in submission.precautions],
        "limbs": [
            (
                LIMB_LIST_FIELDS[name][1],
                [LIMB_LIST_FIELDS[name][0][s] for s in getattr(submission, name)],
            )
            for name in LIMB_QUESTIONS
            if getattr(submission, name)
        ],
        "measure": measure,
        "pain": pain_map.staff_labels(submission.pain_locations),
        "chart_views": views_context(pain_map.mark_keys(submission.pain_locations)),
        "marked": pain_map.mark_keys(submission.pain_locations),
        "region_labels": CHART_REGIONS,
        "episodes": episodes,
        "chosen_episode": submission.link.episode_id or (episodes[0].pk if episodes else None),
        "errors": {},
    }
    context.update(extra)
    return context


@clinic_view(roles=CLINICAL)
def intake_review(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    return render(request, "portal/intake_review.html", _review_context(actor, patient_id))


@clinic_view(roles=CLINICAL)
def intake_accept(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method != "POST":
        return redirect("intake_review", patient_id=patient.pk)
    submission = selectors.intake_latest(actor=actor, patient_id=patient.pk)
    if submission is None:
        messages.error(request, "This patient has not sent an intake form yet.")
        return redirect("patient_chart", patient_id=patient.pk)
    values = {
        "episode_id": request.POST.get("episode_id") or None,
        "consent_confirmed": request.POST.get("consent_confirmed") == "yes",
    }
    try:
        actions.intake_accept(
            actor=actor, submission=submission, data=parse_input(IntakeAcceptIn, values)
        )
    except ValidationProblem as exc:
        context = _review_context(actor, patient.pk, errors=field_errors(exc))
        return render(request, "portal/intake_review.html", context, status=422)
    except DomainError as exc:
        context = _review_context(actor, patient.pk, errors={"form": exc.message})
        return render(request, "portal/intake_review.html", context, status=422)
    messages.success(request, "Intake accepted into the record.")
    return redirect("patient_chart", patient_id=patient.pk)


# Intake: the patient -------------------------------------------------------------------


def _intake_input(post: Any, measure_code: str) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    """The form's values for ``IntakeIn``, the values to show again, and the baseline's rows."""
    values: dict[str, Any] = {
        "medications": post.get("medications", ""),
        "precautions": post.getlist("precautions"),
        "lymphedema_sites": post.getlist("lymphedema_sites"),
        "lymph_nodes_removed": post.getlist("lymph_nodes_removed"),
        "red_flags": {q.code: post.get(f"red_flags.{q.code}", "") for q in RED_FLAGS},
        "red_flag_notes": post.get("red_flag_notes", ""),
        "pain_areas": post.get("pain_areas", ""),
        "pain_locations": pain_map.marks_from_post(post.getlist("pain_mark")),
        "consent_agree": post.get("consent_agree") == "yes",
        "consent_name": post.get("consent_name", ""),
        "consent_signature": post.get("consent_signature", ""),
    }
    rows: list[int] = []
    shown = dict(values)
    shown["pain_marks"] = post.getlist("pain_mark")
    if measure_code:
        baseline = {
            k.removeprefix("baseline."): v for k, v in post.items() if k.startswith("baseline.")
        }
        answers, baseline_values, rows = form_answers(MEASURES[measure_code], baseline)
        values["baseline_items"] = answers.items
        values["baseline_activities"] = answers.activities
        shown.update({f"baseline.{k}": v for k, v in baseline_values.items()})
    return values, shown, rows


def _intake_errors(exc: ValidationProblem, rows: list[int]) -> dict[str, str]:
    baseline = [p for p in exc.problems if p.field.startswith("baseline_")]
    # A mark outside the body chart's vocabulary fails the schema on its row
    # (pain_locations.N.region): the patient sees one message by the map.
    marks = [p for p in exc.problems if p.field.startswith("pain_locations.")]
    rest = [p for p in exc.problems if p not in baseline and p not in marks]
    errors = field_errors(ValidationProblem(rest))
    if marks:
        errors["pain_locations"] = pain_map.unknown_mark_message()
    if baseline:
        renamed = ValidationProblem(
            [p.__class__(p.field.removeprefix("baseline_"), p.code, p.message) for p in baseline]
        )
        errors.update({f"baseline.{k}": v for k, v in _form_errors(renamed, rows).items()})
    return errors


@never_cache
def intake_form(request: HttpRequest, token: str) -> HttpResponse:
    """The new patient's health form and consent. Unknown or altered links are 404, used
    or expired ones 410; neither shows anything of the patient."""
    try:
        link = actions.intake_open(token=token)
    except NotFound:
        return _gone(request, "invalid", 404)
    except actions.LinkGone as gone:
        return _gone(request, gone.reason, 410)
    with translation.override(patient_language(link.patient)):
        return _intake_page(request, token, link)


def _intake_page(request: HttpRequest, token: str, link: IntakeLink) -> HttpResponse:
    values: dict[str, Any] = {
        "precautions": [],
        "lymphedema_sites": [],
        "lymph_nodes_removed": [],
        "pain_marks": [],
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        # What the patient ticked and typed is shown again whatever is refused.
        raw, values, rows = _intake_input(request.POST, link.measure_code)
        try:
            data = parse_input(IntakeIn, raw)
            actions.intake_submit(token=token, data=data, address=client_address(request))
        except actions.LinkGone as gone:
            return _gone(request, gone.reason, 410)
        except ValidationProblem as exc:
            errors = _intake_errors(exc, rows)
            status = 422
        else:
            return _public(
                render(request, "portal/intake_thanks.html", {"clinic_name": link.clinic.name})
            )
    context: dict[str, Any] = {
        "clinic_name": link.clinic.name,
        "questions": PRECAUTION_QUESTIONS,
        "limb_questions": [
            (name, text, LIMB_LIST_FIELDS[name][0]) for name, text in LIMB_QUESTIONS.items()
        ],
        "red_flag_questions": RED_FLAGS,
        "pain_views": pain_map.PAIN_VIEWS,
        "pain_marks": set(values["pain_marks"]),
        "region_names": pain_map.REGION_NAMES,
        "side_names": pain_map.SIDE_NAMES,
        "consent_text": CONSENT_TEXTS[actions.consent_version_for(link.patient)],
        "consent_version": actions.consent_version_for(link.patient),
        "values": values,
        "errors": errors,
        "baseline": None,
    }
    if link.measure_code:
        measure = MEASURES[link.measure_code]
        baseline_values = {
            k.removeprefix("baseline."): v for k, v in values.items() if k.startswith("baseline.")
        }
        baseline_errors = {
            k.removeprefix("baseline."): v for k, v in errors.items() if k.startswith("baseline.")
        }
        context["baseline"] = _questionnaire_context(
            measure, baseline_values, baseline_errors, link.clinic_id
        )
    return _public(render(request, "portal/intake_form.html", context, status=status))


# The portal -----------------------------------------------------------------------------

SESSION_PATIENT = "portal.patient_id"
SESSION_CLINIC = "portal.clinic_id"
SESSION_SEEN = "portal.seen"
PORTAL_IDLE_SECONDS = 30 * 60


def _portal_patient(request: HttpRequest) -> Patient | None:
    """The patient signed in to the portal in this browser session, or None (idle for 30
    minutes, or never signed in). Staff logins give no portal access."""
    patient_id = request.session.get(SESSION_PATIENT)
    clinic_id = request.session.get(SESSION_CLINIC)
    if patient_id is None or clinic_id is None:
        return None
    now = time.time()
    if now - float(request.session.get(SESSION_SEEN, 0)) > PORTAL_IDLE_SECONDS:
        _portal_end(request)
        return None
    patient = (
        Patient.objects.select_related("clinic")
        .filter(pk=patient_id, clinic_id=clinic_id, archived_at__isnull=True)
        .first()
    )
    if patient is None:
        _portal_end(request)
        return None
    request.session[SESSION_SEEN] = now
    return patient


def _portal_end(request: HttpRequest) -> None:
    for key in (SESSION_PATIENT, SESSION_CLINIC, SESSION_SEEN):
        request.session.pop(key, None)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return _public(response)


def _signed_out(request: HttpRequest) -> HttpResponse:
    with translation.override(request_language(request)):
        return _private(render(request, "portal/signed_out.html", status=200))


@never_cache
def portal_sign_in_request(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """Ask for a sign-in link by e-mail. The answer is the same whether or not the address
    is on file."""
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    if clinic is None:
        raise Http404("No such clinic.")
    context: dict[str, Any] = {"clinic_name": clinic.name, "errors": {}, "email": ""}
    if request.method == "POST":
        context["email"] = request.POST.get("email", "").strip()[:254]
        try:
            throttle(clinic=clinic, address=client_address(request), kind="link")
            actions.portal_link_request(
                clinic=clinic, email=context["email"], address=client_address(request)
            )
        except ValidationProblem as exc:
            context["errors"] = field_errors(exc)
        except DomainError as exc:  # rate limited
            context["errors"] = {"form": exc.message}
        else:
            context["sent"] = True
    status = 422 if context["errors"] else 200
    with translation.override(request_language(request)):
        return _private(render(request, "portal/sign_in_request.html", context, status=status))


@never_cache
def portal_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: a button to sign in (so a mail scanner opening the link does not
    spend it). Unknown or altered links are 404, used or expired ones 410."""
    try:
        link = actions.portal_link_open(token=token)
    except NotFound:
        return _gone(request, "invalid", 404)
    except actions.LinkGone as gone:
        return _gone(request, gone.reason, 410)
    if request.method == "POST":
        try:
            patient = actions.portal_sign_in(token=token, address=client_address(request))
        except actions.LinkGone as gone:
            return _gone(request, gone.reason, 410)
        request.session.cycle_key()
        request.session[SESSION_PATIENT] = patient.pk
        request.session[SESSION_CLINIC] = patient.clinic_id
        request.session[SESSION_SEEN] = time.time()
        return redirect("portal_home")
    with translation.override(patient_language(link.patient)):
        return _private(render(request, "portal/sign_in.html", {"clinic_name": link.clinic.name}))


@never_cache
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = _portal_patient(request)
    if patient is None:
        return _signed_out(request)
    home = selectors.portal_home(patient=patient)
    actions.portal_patient_event(
        patient=patient, action="view", detail="portal home", address=client_address(request)
    )
    courses = [
        (
            course,
            pain_course_svg(
                [(s.session_date, s.pain_before, s.pain_after, s.sequence) for s in course.sessions]
            ),
        )
        for course in home.courses
    ]
    context = {
        "clinic_name": patient.clinic.name,
        "home": home,
        "courses": courses,
        "time_zone": settings_for(patient.clinic).time_zone,
    }
    with translation.override(patient_language(patient)):
        return _private(render(request, "portal/home.html", context))


def _appointment_action(request: HttpRequest, appointment_id: int, what: str) -> HttpResponse:
    patient = _portal_patient(request)
    if patient is None:
        return _signed_out(request)
    if request.method != "POST":
        return redirect("portal_home")
    action = (
        actions.portal_appointment_confirm
        if what == "confirm"
        else actions.portal_appointment_cancel
    )
    try:
        action(patient=patient, appointment_id=appointment_id, address=client_address(request))
    except NotFound:
        raise Http404("Appointment not found.") from None
    except DomainError as exc:
        with translation.override(patient_language(patient)):
            messages.error(
                request,
                _("This appointment can no longer be changed online; please call the clinic.")
                if getattr(exc, "code", "") == "appointment_closed"
                else exc.message,
            )
    else:
        with translation.override(patient_language(patient)):
            messages.success(
                request,
                _("Thank you: your appointment is confirmed.")
                if what == "confirm"
                else _("Your appointment is cancelled. The clinic has been told."),
            )
    return redirect("portal_home")


@never_cache
def portal_appointment_confirm(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_action(request, appointment_id, "confirm")


@never_cache
def portal_appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    return _appointment_action(request, appointment_id, "cancel")


@never_cache
def portal_receipts(request: HttpRequest) -> HttpResponse:
    """The patient's issued invoices and receipts (never drafts), each as a PDF."""
    patient = _portal_patient(request)
    if patient is None:
        return _signed_out(request)
    rows = billing.patient_issued_invoices(patient=patient)
    actions.portal_patient_event(
        patient=patient,
        action="view",
        detail=f"portal receipts ({len(rows)} invoice{'s' if len(rows) != 1 else ''})",
        address=client_address(request),
    )
    context = {"clinic_name": patient.clinic.name, "patient": patient, "rows": rows}
    with translation.override(patient_language(patient)):
        return _private(render(request, "portal/receipts.html", context))


@never_cache
def portal_receipt_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """One receipt as the clinic prints it: only an issued invoice of the signed-in
    patient (anything else is a 404 that says nothing), recorded as printed."""
    patient = _portal_patient(request)
    if patient is None:
        return _signed_out(request)
    try:
        detail = billing.patient_issued_invoice(patient=patient, invoice_id=invoice_id)
    except NotFound:
        raise Http404("Receipt not found.") from None
    receipt = receipt_pdf(detail)
    actions.portal_patient_event(
        patient=patient,
        action="print",
        detail=f"receipt {detail.invoice.number} downloaded in the portal",
        address=client_address(request),
    )
    response = HttpResponse(receipt.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt.filename}"'
    return _private(response)


def portal_sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        patient = _portal_patient(request)
        if patient is not None:
            actions.portal_patient_event(
                patient=patient,
                action="logout",
                detail="signed out of the portal",
                address=client_address(request),
            )
        _portal_end(request)
    return _signed_out(request)


# IMS explained -----------------------------------------------------------------------------


def learn_index(request: HttpRequest) -> HttpResponse:
    lang = request_language(request)
    with translation.override(lang):
        return _public(
            render(
                request,
                "portal/learn_index.html",
                {
                    "lang": lang,
                    "about": [t for t in TOPICS if t.kind == "about"],
                    "conditions": [t for t in TOPICS if t.kind == "condition"],
                },
            )
        )


def learn_page(request: HttpRequest, topic: str) -> HttpResponse:
    found = BY_SLUG.get(topic)
    if found is None:
        raise Http404("No such page.")
    lang = request_language(request)
    with translation.override(lang):
        return _public(
            render(
                request,
                "portal/learn_page.html",
                {"topic": found, "lang": lang, "template": found.template_for(lang)},
            )
        )


@clinic_view(roles=CLINICAL)
def learn_send(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_get(actor=actor, patient_id=patient_id)
    if request.method != "POST":
        return redirect("patient_chart", patient_id=patient.pk)
    slug = request.POST.get("topic", "")
    try:
        actions.learn_page_send(actor=actor, patient=patient, slug=slug)
    except DomainError as exc:
        messages.error(request, f"The page was not sent. {_problem_text(exc)}")
    else:
        messages.success(request, f"“{BY_SLUG[slug].title}” e-mailed to {patient.email}.")
    return redirect("patient_chart", patient_id=patient.pk)

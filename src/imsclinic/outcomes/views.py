"""Outcome pages: episode progress, questionnaires (tablet and patient link), the clinic's
outcomes and the research export. Views parse input, call actions/selectors, render."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from imsclinic.core.actors import Actor, client_address
from imsclinic.core.audit import audit_view
from imsclinic.core.errors import DomainError, NotFound, RuleViolation, ValidationProblem
from imsclinic.core.form_input import field_errors, parse_input
from imsclinic.core.permissions import ADMINS, CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.measures import MEASURES, Measure
from imsclinic.measures.forms import PSFS_ROWS, suggested_measure
from imsclinic.outcomes import actions, analytics, patient_text, research_export, selectors
from imsclinic.outcomes.models import QuestionnaireSchedule
from imsclinic.outcomes.schemas import LinkIn, ResponseIn, ScheduleIn
from imsclinic.plots.outcomes import outcome_course_svg, time_to_mcid_svg
from imsclinic.plots.pain import pain_course_svg


def _measure_or_404(code: str) -> Measure:
    measure = MEASURES.get(code.lower())
    if measure is None:
        raise NotFound(f"Unknown outcome measure '{code}'.")
    return measure


def _answer(raw: str | None) -> object:
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def form_answers(measure: Measure, post: Any) -> tuple[ResponseIn, dict[str, Any], list[int]]:
    """Posted answers -> the API's ResponseIn; also the values to re-show, and which form row
    each PSFS item came from (rows left blank are not activities)."""
    values: dict[str, Any] = {}
    if measure.code == "psfs":
        items, activities, rows = [], [], []
        for row in range(1, PSFS_ROWS + 1):
            name = post.get(f"activities.{row}", "").strip()
            rating = _answer(post.get(f"items.{row}"))
            values[f"activities.{row}"] = name
            values[f"items.{row}"] = "" if rating is None else str(rating)
            if name or rating is not None:
                items.append(rating)
                activities.append(name)
                rows.append(row)
        return ResponseIn(measure_code="psfs", items=items, activities=activities), values, rows
    count = int(measure.item_count)  # type: ignore[arg-type]
    answers = [_answer(post.get(f"items.{n}")) for n in range(1, count + 1)]
    for n, value in enumerate(answers, start=1):
        values[f"items.{n}"] = "" if value is None else str(value)
    return (
        ResponseIn(measure_code=measure.code, items=answers),
        values,
        list(range(1, count + 1)),
    )


def _form_errors(exc: ValidationProblem, rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field
        head, _, number = name.partition(".")
        if head in ("items", "activities") and number.isdigit():
            index = int(number)
            name = f"{head}.{rows[index - 1]}" if 0 < index <= len(rows) else name
        elif head == "items":
            name = "form"
        errors.setdefault(name, problem.message)
    return errors


def _questionnaire_context(  # type: ignore[no-untyped-def]
    measure: Measure,
    values: dict[str, Any],
    errors: dict[str, str],
    clinic_id: int | None = None,
):
    """The form of ``measure``: the wording a patient can answer (``worded``), or, for
    the staff tablet only, the topic labels with a notice to staff. Patient pages show no
    form when ``worded`` is false (see :func:`questionnaire_link`)."""
    wording = None if clinic_id is None else selectors.patient_wording(clinic_id, measure)
    labels = measure.section_labels if wording is None else wording
    return {
        "measure": measure,
        "measure_name": patient_text.NAMES.get(measure.code, measure.name),
        "worded": wording is not None,
        "items": [
            {"number": n, "label": label, "name": f"items.{n}"}
            for n, label in enumerate(labels, start=1)
        ],
        "options": list(range(measure.item_min, measure.item_max + 1)),
        "ends": tuple(str(end) for end in patient_text.SCALE_ENDS[measure.code]),
        "values": values,
        "errors": errors,
    }


# Progress --------------------------------------------------------------------------


def _progress_context(actor: Actor, episode_id: int, **extra: Any) -> dict[str, Any]:
    progress = selectors.episode_progress(actor=actor, episode_id=episode_id)
    audit_view(actor=actor, patient_id=progress.episode.patient_id, obj=progress.episode)
    series = [(s.session_date, s.pain_before, s.pain_after, s.sequence) for s in progress.sessions]
    plots = []
    for course in progress.questionnaires:
        first = course.first_mcid
        plots.append(
            (
                course,
                outcome_course_svg(
                    course.measure,
                    [(p.label, p.score) for p in course.points],
                    first_mcid_index=course.points.index(first) if first else None,
                ),
            )
        )
    episode = progress.episode
    sendable = selectors.sendable_measure_codes(actor.clinic.pk)
    context = {
        "progress": progress,
        "episode": episode,
        "patient": episode.patient,
        "pain_svg": pain_course_svg(series) if series else "",
        "pain_outcome_svg": outcome_course_svg(
            progress.pain.measure, [(p.label, p.score) for p in progress.pain.points]
        )
        if len(progress.pain.points) > 1
        else "",
        "plots": plots,
        "measures": MEASURES.values(),
        "timings": QuestionnaireSchedule.Timing.choices,
        "suggested": suggested_measure(episode.condition_code),
        "sendable": sendable,
        "unsent": [m.abbreviation for code, m in MEASURES.items() if code not in sendable],
        "errors": {},
        "values": {},
    }
    context.update(extra)
    return context


@clinic_view(roles=CLINICAL)
def episode_progress(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    return render(request, "outcomes/progress.html", _progress_context(actor, episode_id))


@clinic_view(roles=CLINICAL)
def schedule_add(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    episode = selectors.episode_for_outcomes(actor=actor, episode_id=episode_id)
    if request.method != "POST":
        return redirect("episode_progress", episode_id=episode.pk)
    values = {
        "measure_code": request.POST.get("measure_code", ""),
        "timing": request.POST.get("timing", ""),
        "every_n_sessions": request.POST.get("every_n_sessions") or None,
    }
    try:
        actions.schedule_add(actor=actor, episode=episode, data=parse_input(ScheduleIn, values))
        return redirect("episode_progress", episode_id=episode.pk)
    except ValidationProblem as exc:
        errors = field_errors(exc)
    except DomainError as exc:
        errors = {"form": exc.message}
    context = _progress_context(actor, episode.pk, errors=errors, values=values)
    return render(request, "outcomes/progress.html", context, status=422)


@clinic_view(roles=CLINICAL)
def link_create(request: HttpRequest, actor: Actor, episode_id: int) -> HttpResponse:
    episode = selectors.episode_for_outcomes(actor=actor, episode_id=episode_id)
    if request.method != "POST":
        return redirect("episode_progress", episode_id=episode.pk)
    values = {
        "measure_code": request.POST.get("measure_code", ""),
        "expires_in_days": request.POST.get("expires_in_days") or 7,
    }
    try:
        issued = actions.link_create(actor=actor, episode=episode, data=parse_input(LinkIn, values))
    except ValidationProblem as exc:
        context = _progress_context(actor, episode.pk, link_errors=field_errors(exc))
        return render(request, "outcomes/progress.html", context, status=422)
    except DomainError as exc:
        context = _progress_context(actor, episode.pk, link_errors={"form": exc.message})
        return render(request, "outcomes/progress.html", context, status=422)
    # The token is shown once, on this response only: it is not stored and not in a URL
    # the practitioner's browser history keeps.
    url = request.build_absolute_uri(reverse("questionnaire_link", args=[issued.token]))
    context = _progress_context(actor, episode.pk, new_link=issued.link, new_link_url=url)
    return render(request, "outcomes/progress.html", context)


@clinic_view(roles=CLINICAL)
def questionnaire_fill(
    request: HttpRequest, actor: Actor, episode_id: int, code: str
) -> HttpResponse:
    """Tablet mode: staff open the form and hand the device to the patient."""
    episode = selectors.episode_for_outcomes(actor=actor, episode_id=episode_id)
    measure = _measure_or_404(code)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        data, values, rows = form_answers(measure, request.POST)
        try:
            response = actions.response_record(actor=actor, episode=episode, data=data)
            return render(
                request,
                "outcomes/thanks.html",
                {"response": response, "measure": measure, "episode": episode, "tablet": True},
            )
        except ValidationProblem as exc:
            errors = _form_errors(exc, rows)
    context = _questionnaire_context(measure, values, errors, actor.clinic.pk)
    context.update({"episode": episode, "tablet": True})
    return render(request, "outcomes/questionnaire.html", context, status=422 if errors else 200)


def _patient_page(response: HttpResponse) -> HttpResponse:
    # same-origin, like the other public pages: under no-referrer Chromium posts the form
    # with ``Origin: null`` and Django's CSRF check refuses it (the answers were lost).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def questionnaire_link(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's link: no account, in the patient's preferred language. Unknown or
    altered tokens get 404, spent or expired ones 410; neither page shows anything about
    the patient or the clinic's records. A measure whose wording the clinic no longer has
    shows a page saying the clinic will give the questionnaire at the visit (the link is
    not spent), never topic labels and bare buttons."""
    try:
        link = actions.link_open(token=token)
    except NotFound:
        with translation.override(patient_text.browser_language(request)):
            page = render(request, "outcomes/link_gone.html", {"reason": "invalid"}, status=404)
        return _patient_page(page)
    except actions.LinkGone as gone:
        patient = gone.link.episode.patient if gone.link is not None else None
        with translation.override(patient_text.patient_language(patient)):
            page = render(request, "outcomes/link_gone.html", {"reason": gone.reason}, status=410)
        return _patient_page(page)
    with translation.override(patient_text.patient_language(link.episode.patient)):
        return _patient_page(_questionnaire_link_page(request, token, link))


def _questionnaire_link_page(request: HttpRequest, token: str, link: Any) -> HttpResponse:
    measure = MEASURES[link.measure_code]
    context = _questionnaire_context(measure, {}, {}, link.clinic_id)
    context.update({"tablet": False, "clinic_name": link.clinic.name})
    if not context["worded"]:
        return render(request, "outcomes/at_visit.html", context)
    if request.method == "POST":
        data, context["values"], rows = form_answers(measure, request.POST)
        try:
            actions.response_record_from_link(
                token=token, data=data, address=client_address(request)
            )
        except actions.LinkGone as gone:
            return render(request, "outcomes/link_gone.html", {"reason": gone.reason}, status=410)
        except RuleViolation as refused:
            if refused.code != "wording_missing":
                raise
            # the wording went between opening the page and submitting: nothing recorded
            return render(request, "outcomes/at_visit.html", context)
        except ValidationProblem as exc:
            context["errors"] = _form_errors(patient_text.patient_words(exc, measure, data), rows)
        else:
            return render(request, "outcomes/thanks.html", {"measure": measure, "tablet": False})
    status = 422 if context["errors"] else 200
    return render(request, "outcomes/questionnaire.html", context, status=status)


# The clinic ------------------------------------------------------------------------


@clinic_view(roles=CLINICAL)
def clinic_outcomes(request: HttpRequest, actor: Actor) -> HttpResponse:
    outcomes = analytics.clinic_outcomes(
        actor=actor, measure_code=request.GET.get("measure", selectors.SESSION_PAIN)
    )
    curves = {g.label: g.km for g in outcomes.by_condition if g.durations}
    return render(
        request,
        "outcomes/clinic.html",
        {
            "outcomes": outcomes,
            "groups": [
                ("Condition", outcomes.by_condition),
                ("Practitioner", outcomes.by_practitioner),
            ],
            "km_svg": time_to_mcid_svg(curves) if curves else "",
            "adverse": [
                {**row, "rate": outcomes.overall.adverse_rate(*row["severities"])}  # type: ignore[misc]
                for row in outcomes.published_adverse
            ],
            "measure_choices": [(selectors.SESSION_PAIN, "Session pain (NPRS before needling)")]
            + [(m.code, m.abbreviation) for m in MEASURES.values()],
        },
    )


@clinic_view(roles=CLINICAL)
def research_export_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    text = research_export.research_export_csv(actor=actor)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="imsclinic-research-export.csv"'
    response["Cache-Control"] = "no-store"
    return response


@clinic_view(roles=CLINICAL)
def research_export_dictionary(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "outcomes/export_dictionary.html",
        {"columns": research_export.COLUMNS.items(), "max_shift": research_export.MAX_SHIFT_DAYS},
    )


# The clinic's licensed wording (admins) --------------------------------------------


@clinic_view(roles=ADMINS)
def measure_wording(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Clinic settings > Questionnaire wording: upload the licensed item wording of a
    questionnaire whose wording the project cannot ship."""
    errors: dict[str, str] = {}
    chosen = request.POST.get("measure_code", "")
    if request.method == "POST":
        upload = request.FILES.get("wording")
        text = request.POST.get("text", "")
        source = "pasted text"
        if upload is not None:
            if upload.size is not None and upload.size > 200_000:
                errors["wording"] = "The file is over 200 KB; a wording file is a few KB of JSON."
            else:
                try:
                    text = upload.read().decode("utf-8")
                    source = upload.name or "upload"
                except UnicodeDecodeError:
                    errors["wording"] = "The file is not UTF-8 text; save it as UTF-8 JSON."
        if not errors:
            try:
                wording = actions.measure_wording_set(
                    actor=actor, measure_code=chosen, text=text, source=source
                )
                return redirect(f"{reverse('measure_wording')}?saved={wording.measure_code}")
            except ValidationProblem as exc:
                errors = field_errors(exc)
    latest = selectors.wording_status(actor.clinic.pk)
    rows = [
        {
            "measure": measure,
            "needed": not measure.licence.item_wording_shippable
            and not isinstance(measure.item_count, range),
            "latest": latest.get(code),
            "named_by_patient": isinstance(measure.item_count, range),
        }
        for code, measure in MEASURES.items()
    ]
    return render(
        request,
        "outcomes/measure_wording.html",
        {
            "rows": rows,
            "errors": errors,
            "chosen": chosen,
            "text": request.POST.get("text", ""),
            "saved": request.GET.get("saved", ""),
        },
        status=422 if errors else 200,
    )

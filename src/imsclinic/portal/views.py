"""Pages of the patients' side. Staff pages (send a link, review an intake) use
``clinic_view``; patients' pages are reached by single-use links and the portal session."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from imsclinic.core.actors import Actor
from imsclinic.core.errors import DomainError, ValidationProblem
from imsclinic.core.form_input import parse_input
from imsclinic.core.permissions import CLINICAL
from imsclinic.core.web import clinic_view
from imsclinic.outcomes import selectors as outcomes
from imsclinic.portal import actions
from imsclinic.portal.schemas import LinkEmailIn


def _problem_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationProblem):
        return " ".join(problem.message for problem in exc.problems)
    return exc.message


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

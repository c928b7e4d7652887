"""Panels of the patients' side on other apps' pages: what was sent (progress page),
intake red flags on the chart and on Today."""

from __future__ import annotations

from typing import Any

from django import template

from imsclinic.core.actors import Actor
from imsclinic.core.permissions import CLINICAL
from imsclinic.measures import MEASURES
from imsclinic.portal import pain_map, selectors
from imsclinic.portal.learn import TOPICS

register = template.Library()


@register.inclusion_tag("portal/_sent.html", takes_context=True)
def portal_sent(context: template.Context) -> dict[str, Any]:
    """Messages of the patients' side (a link e-mailed, or why it was not)."""
    return {"messages": context.get("messages")}


def _actor(context: template.Context) -> Actor | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated or user.clinic is None:
        return None
    actor = Actor.from_request(request)
    return actor if actor.role in CLINICAL else None


@register.inclusion_tag("portal/_chart.html", takes_context=True)
def portal_chart(context: template.Context, patient: Any) -> dict[str, Any]:
    """On the chart: red flags from the patient's intake, its review, sending the form."""
    actor = _actor(context)
    if actor is None:
        return {"show": False}
    submission = selectors.intake_latest(actor=actor, patient_id=patient.pk)
    return {
        "show": True,
        "patient": patient,
        "submission": submission,
        "flags": selectors.red_flags(submission),
        "pain": pain_map.staff_labels(submission.pain_locations) if submission else [],
        "episodes": [e for e in patient.episodes.all() if e.is_open],
        "measures": MEASURES.values(),
        "topics": TOPICS,
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages"),
    }


@register.inclusion_tag("portal/_today.html", takes_context=True)
def portal_today(context: template.Context) -> dict[str, Any]:
    """On Today: intake forms waiting for review, red flags first and marked."""
    actor = _actor(context)
    if actor is None:
        return {"show": False}
    return {"show": True, "intakes": selectors.intakes_to_review(actor=actor)}

"""Safety panels other apps' pages include: Today's follow-ups and admin notices, the
session page's follow-up addenda and incident report, and the outcomes page's link."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from imsclinic.core.actors import Actor
from imsclinic.core.permissions import ADMINS, CLINICAL
from imsclinic.safety import selectors
from imsclinic.safety.models import SERIOUS

register = template.Library()


def _actor(context: template.Context) -> Actor | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated or user.clinic is None:
        return None
    return Actor.from_request(request)


@register.inclusion_tag("safety/_today.html", takes_context=True)
def safety_today(context: template.Context) -> dict[str, Any]:
    actor = _actor(context)
    if actor is None or actor.role not in CLINICAL:
        return {"followups": None, "notices": None}
    admin = actor.role in ADMINS
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "followups": selectors.followups_open(actor=actor),
        "notices": selectors.notifications(actor=actor, unread_only=True) if admin else None,
        "show_owner": admin,
        "today": timezone.localdate(),
    }


@register.inclusion_tag("safety/_session_safety.html", takes_context=True)
def session_safety(context: template.Context, session: Any) -> dict[str, Any]:
    actor = _actor(context)
    if actor is None or actor.role not in CLINICAL:
        return {}
    report = selectors.session_incident(actor=actor, session_id=session.pk)
    serious = any(e.severity == SERIOUS for e in session.adverse_events.all())
    return {
        "csrf_token": context.get("csrf_token"),
        "session": session,
        "followups": selectors.session_followups(actor=actor, session_id=session.pk),
        "report": report,
        "may_start": report is None and serious and actor.role in ADMINS,
    }


@register.inclusion_tag("safety/_outcomes_incidents.html", takes_context=True)
def incident_link(context: template.Context) -> dict[str, Any]:
    actor = _actor(context)
    counts = selectors.incident_counts(actor=actor) if actor and actor.role in ADMINS else None
    return {"counts": counts, "user": context.get("user")}


@register.inclusion_tag("safety/_lot_datalist.html", takes_context=True)
def needle_lot_datalist(context: template.Context) -> dict[str, Any]:
    """The lots in stock, offered by the session form's lot fields (``list="lot-list"``)."""
    actor = _actor(context)
    return {"lots": selectors.lots_in_stock(actor=actor) if actor is not None else []}

"""Panels of the patients' side on other apps' pages: what was sent (progress page),
intake red flags on the chart and on Today."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("portal/_sent.html", takes_context=True)
def portal_sent(context: template.Context) -> dict[str, Any]:
    """Messages of the patients' side (a link e-mailed, or why it was not)."""
    return {"messages": context.get("messages")}

"""Template helpers for charting pages."""

from __future__ import annotations

from django import template

from imsclinic.rules.ranges import MOVEMENTS

register = template.Library()


@register.filter
def movement_label(movement_id: str) -> str:
    """'straight_leg_raise' -> 'Straight leg raise'; an id no longer listed stays readable."""
    movement = MOVEMENTS.get(movement_id)
    return movement.label if movement else movement_id.replace("_", " ").capitalize()

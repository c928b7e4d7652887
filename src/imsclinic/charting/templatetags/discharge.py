"""The discharge of an episode (reason, outcome) for the report and progress pages."""

from __future__ import annotations

from typing import Any

from django import template

from imsclinic.charting.discharge import discharge_of

register = template.Library()


@register.simple_tag
def episode_discharge(episode: Any) -> Any:
    """``{% episode_discharge episode as d %}``: its EpisodeDischarge, or None if open."""
    return discharge_of(episode) if episode is not None else None

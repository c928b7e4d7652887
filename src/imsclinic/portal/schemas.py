"""Inputs of the patients' side, shared by the pages (and any later API route)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from imsclinic.charting.schemas import PainMarkIn


class LinkEmailIn(Schema):
    measure_code: str = Field(max_length=12)
    expires_in_days: int = 7


class IntakeLinkIn(Schema):
    episode_id: int | None = None
    measure_code: str = Field(default="", max_length=12)  # baseline questionnaire, optional
    expires_in_days: int = 14


class IntakeIn(Schema):
    """The intake form as the patient sent it."""

    medications: str = Field(default="", max_length=4000)
    precautions: list[str] = Field(default_factory=list, max_length=30)
    lymphedema_sites: list[str] = Field(default_factory=list, max_length=4)
    lymph_nodes_removed: list[str] = Field(default_factory=list, max_length=4)
    red_flags: dict[str, str] = Field(default_factory=dict)  # code -> "yes" / "no"
    red_flag_notes: str = Field(default="", max_length=2000)
    pain_areas: str = Field(default="", max_length=2000)
    pain_locations: list[PainMarkIn] = Field(default_factory=list, max_length=50)  # the map
    baseline_items: list[Any] = Field(default_factory=list, max_length=50)
    baseline_activities: list[str] = Field(default_factory=list, max_length=5)
    consent_agree: bool = False
    consent_name: str = Field(default="", max_length=150)
    consent_signature: str = Field(default="", max_length=400_000)


class IntakeAcceptIn(Schema):
    episode_id: int | None = None  # where the baseline questionnaire lands
    consent_confirmed: bool = False

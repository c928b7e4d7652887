"""Input and output shapes for outcomes, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class ScoreIn(Schema):
    # Any: the scoring core names the item for a wrong type ("items.3"), which a typed list
    # would report in pydantic's words instead.
    items: list[Any] = Field(max_length=50, description="One answer per item; null = unanswered")


class BandOut(Schema):
    low: float
    high: float
    label: str


class ScoreOut(Schema):
    measure: str
    score: float
    raw: float
    interpretation: str
    answered: int
    missing: int
    prorated: bool
    band: BandOut | None = None
    percent: float | None = None
    mcid: float
    higher_is_better: bool


class MeasureOut(Schema):
    code: str
    name: str
    abbreviation: str
    item_count: str
    item_min: int
    item_max: int
    higher_is_better: bool
    score_min: float
    score_max: float
    unit: str
    mcid: float
    mcid_source: str
    bands: list[BandOut]
    bands_source: str
    scoring_source: str
    missing_rule_source: str
    min_answered: int
    section_labels: list[str]
    item_wording_shippable: bool
    licence_note: str


class ScheduleIn(Schema):
    measure_code: str = Field(max_length=12)
    timing: str = Field(max_length=10)
    every_n_sessions: int | None = None


class LinkIn(Schema):
    measure_code: str = Field(max_length=12)
    expires_in_days: int = 7


class LinkOut(Schema):
    id: int
    measure_code: str
    expires_at: dt.datetime
    url: str  # holds the token: shown in this response only, never stored


class ResponseIn(Schema):
    measure_code: str = Field(max_length=12)
    items: list[Any] = Field(max_length=50)
    activities: list[str] = Field(default_factory=list, max_length=5)

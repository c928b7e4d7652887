"""Input and output shapes for charting, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from imsclinic.core.input_checks import RowId


class EpisodeIn(Schema):
    condition_code: str = Field(max_length=10)
    condition_label: str = Field(default="", max_length=200)
    affected_side: str = ""
    onset_date: dt.date | None = None
    opened_on: dt.date
    goals: str = Field(default="", max_length=4000)
    referring_physician: str = Field(default="", max_length=150)


class RomIn(Schema):
    movement: str = Field(max_length=40)
    phase: str = Field(
        default="", description="Sessions: 'before' or 'after' needling (default after)"
    )
    side: str = ""
    degrees: float


class FindingIn(Schema):
    muscle: str = Field(max_length=80, description="Muscle id, name or synonym")
    side: str
    level: str = ""
    taut_band: bool = False
    tender_motor_point: bool = False
    shortened: bool = False
    local_twitch: bool = False
    normal: bool = False
    notes: str = Field(default="", max_length=300)


class SignIn(Schema):
    region: str = Field(max_length=30)
    side: str
    kind: str


class PainMarkIn(Schema):
    region: str = Field(max_length=30)
    side: str


class AssessmentIn(Schema):
    episode_id: RowId
    assessed_on: dt.date
    history: str = Field(default="", max_length=20000)
    pain_now: int | None = None
    pain_locations: list[PainMarkIn] = Field(default_factory=list, max_length=60)
    findings: list[FindingIn] = Field(default_factory=list, max_length=120)
    signs: list[SignIn] = Field(default_factory=list, max_length=120)
    rom: list[RomIn] = Field(default_factory=list, max_length=40)
    notes: str = Field(default="", max_length=20000)


class InsertionIn(Schema):
    muscle: str = Field(max_length=80, description="Muscle id, name or synonym")
    side: str
    level: str = Field(default="", description="Spinal level, required for paraspinal sites")
    needle_diameter_mm: Decimal = Field(default=Decimal("0.25"), max_digits=4, decimal_places=2)
    needle_length_mm: int = 40
    needle_lot: str = Field(max_length=40)
    twitch: str = "none"
    sensation: str = "none"
    notes: str = Field(default="", max_length=300)


class AdverseEventIn(Schema):
    kind: str
    severity: str
    description: str = Field(default="", max_length=500)
    action_taken: str = Field(default="", max_length=500)


class SessionIn(Schema):
    episode_id: RowId
    session_date: dt.date
    pain_before: int
    pain_after: int | None = None
    insertions: list[InsertionIn] = Field(default_factory=list, max_length=60)
    rom: list[RomIn] = Field(default_factory=list, max_length=40)
    adverse_events: list[AdverseEventIn] = Field(default_factory=list, max_length=20)
    notes: str = Field(default="", max_length=20000)
    acknowledged: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Codes of the relative-contraindication warnings the practitioner acknowledges",
    )
    appointment_id: int | None = Field(
        default=None, description="The appointment this session is charted from (links them)"
    )


class AmendmentIn(Schema):
    text: str = Field(max_length=20000)
    reason: str = Field(max_length=300)

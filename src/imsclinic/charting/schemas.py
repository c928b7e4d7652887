"""Input and output shapes for charting, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from imsclinic.anatomy import Side
from imsclinic.anatomy.inference import SignKind
from imsclinic.charting.vocabulary import (
    ADVERSE_EVENT_KIND,
    AFFECTED_SIDE,
    BODY_REGION,
    NEEDLING_PHASE,
    SENSATION,
    SEVERITY,
    SIDE,
    SIGN_KIND,
    TWITCH,
    AdverseEventKind,
    AffectedSide,
    NeedlingPhase,
    Sensation,
    Severity,
    Twitch,
)
from imsclinic.core.input_checks import RowId
from imsclinic.rules.ranges import DEFAULT_NEEDLE_DIAMETER_MM, DEFAULT_NEEDLE_LENGTH_MM

# The closed vocabularies (charting/vocabulary.py) as field types: the OpenAPI lists the
# allowed values, and a value outside them is refused naming the field and the values.
SideIn = Annotated[Side, SIDE.check]
SideOrBlankIn = Annotated[Literal["", Side], SIDE.check_or_blank]
RegionIn = Annotated[str, BODY_REGION.check, BODY_REGION.enum]


class EpisodeIn(Schema):
    condition_code: str = Field(max_length=10)
    condition_label: str = Field(default="", max_length=200)
    affected_side: Annotated[Literal["", AffectedSide], AFFECTED_SIDE.check_or_blank] = ""
    onset_date: dt.date | None = None
    opened_on: dt.date
    goals: str = Field(default="", max_length=4000)
    referring_physician: str = Field(default="", max_length=150)


class RomIn(Schema):
    movement: str = Field(max_length=40)
    phase: Annotated[Literal["", NeedlingPhase], NEEDLING_PHASE.check_or_blank] = Field(
        default="", description="Sessions: 'before' or 'after' needling (default after)"
    )
    side: SideOrBlankIn = ""
    degrees: float


class FindingIn(Schema):
    muscle: str = Field(max_length=80, description="Muscle id, name or synonym")
    side: SideIn
    level: str = ""
    taut_band: bool = False
    tender_motor_point: bool = False
    shortened: bool = False
    local_twitch: bool = False
    normal: bool = False
    notes: str = Field(default="", max_length=300)


class SignIn(Schema):
    region: RegionIn
    side: SideIn
    kind: Annotated[SignKind, SIGN_KIND.check]


class PainMarkIn(Schema):
    region: RegionIn
    side: SideIn


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
    side: SideIn
    level: str = Field(default="", description="Spinal level, required for paraspinal sites")
    needle_diameter_mm: Decimal = Field(
        default=DEFAULT_NEEDLE_DIAMETER_MM, max_digits=4, decimal_places=2
    )
    needle_length_mm: int = DEFAULT_NEEDLE_LENGTH_MM
    needle_lot: str = Field(max_length=40)
    twitch: Annotated[Twitch, TWITCH.check] = "none"
    sensation: Annotated[Sensation, SENSATION.check] = "none"
    notes: str = Field(default="", max_length=300)


class AdverseEventIn(Schema):
    kind: Annotated[AdverseEventKind, ADVERSE_EVENT_KIND.check]
    severity: Annotated[Severity, SEVERITY.check]
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

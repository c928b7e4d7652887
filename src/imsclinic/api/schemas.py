"""Output shapes of the JSON API (inputs live beside their actions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from imsclinic.patients.schemas import ConsentOut, PatientOut


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "bearer"  # noqa: S105 (OAuth token type, not a secret)
    expires_at: dt.datetime


class EpisodeOut(Schema):
    id: int
    condition_code: str
    condition_label: str
    affected_side: str
    onset_date: dt.date | None
    opened_on: dt.date
    closed_on: dt.date | None
    goals: str
    referring_physician: str


INTEGRITY = Field(
    description="'draft' (not signed), 'intact' (matches what was signed and sealed in the "
    "audit trail) or 'altered' (changed outside the application; integrity_problem says how)"
)


class Integrity(Schema):
    integrity: Literal["draft", "intact", "altered"] = INTEGRITY
    integrity_problem: str = ""


class AmendmentOut(Integrity):
    id: int
    created_at: dt.datetime
    author: str
    text: str
    reason: str


class RomOut(Schema):
    phase: str
    movement: str
    side: str
    degrees: int


class FindingOut(Schema):
    muscle_id: str
    side: str
    level: str
    taut_band: bool
    tender_motor_point: bool
    shortened: bool
    local_twitch: bool
    normal: bool
    notes: str


class SignOut(Schema):
    region: str
    side: str
    kind: str


class Charted(Schema):
    charted_at: dt.datetime = Field(description="When the note was first written")
    late_entry_days: int = Field(
        description="Days between the care and its charting (clinic time); above 0 it is a "
        "late entry, shown as one on the note and in reports"
    )


class AssessmentOut(Integrity, Charted):
    id: int
    episode_id: int
    assessed_on: dt.date
    practitioner: str
    history: str
    pain_now: int | None
    pain_locations: list[dict[str, str]]
    findings: list[FindingOut]
    signs: list[SignOut]
    rom: list[RomOut]
    notes: str
    signed_at: dt.datetime | None
    amendments: list[AmendmentOut]


class InsertionOut(Schema):
    position: int
    muscle_id: str
    side: str
    level: str
    needle_diameter_mm: Decimal
    needle_length_mm: int
    needle_lot: str
    twitch: str
    sensation: str
    notes: str


class AdverseEventOut(Schema):
    kind: str
    severity: str
    description: str
    action_taken: str


class SessionOut(Integrity, Charted):
    id: int
    patient_id: int
    episode_id: int
    sequence: int
    session_date: dt.date
    practitioner: str
    pain_before: int
    pain_after: int | None
    insertions: list[InsertionOut]
    rom: list[RomOut]
    adverse_events: list[AdverseEventOut]
    notes: str
    acknowledged: list[str]
    signed_at: dt.datetime | None
    content_hash: str
    amendments: list[AmendmentOut]


class PainPointOut(Schema):
    session_date: dt.date
    sequence: int
    pain_before: int
    pain_after: int | None


class ChartOut(Schema):
    patient: PatientOut
    consents: list[ConsentOut]
    current_consent_id: int | None
    episodes: list[EpisodeOut]
    assessments: list[AssessmentOut]
    sessions: list[SessionOut]
    pain_series: list[PainPointOut]

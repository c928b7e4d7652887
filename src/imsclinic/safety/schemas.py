"""Input and output shapes of safety operations, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from imsclinic.rules.ranges import DEFAULT_NEEDLE_DIAMETER_MM, DEFAULT_NEEDLE_LENGTH_MM

# Generous on purpose: the recall names the limit itself ("at most 40 characters"), which
# reads better than the parser's generic "too long" (lots are charted up to 40).
_TEXT = 1000


class RecallIn(Schema):
    lot: str = Field(default="", max_length=_TEXT, description="The lot number as printed")
    date_from: dt.date | None = Field(default=None, description="First session date (inclusive)")
    date_to: dt.date | None = Field(default=None, description="Last session date (inclusive)")
    manufacturer: str = Field(default="", max_length=_TEXT)


class NeedleLotIn(Schema):
    manufacturer: str = Field(max_length=100)
    lot: str = Field(max_length=40)
    needle_diameter_mm: Decimal = Field(default=DEFAULT_NEEDLE_DIAMETER_MM)
    needle_length_mm: int = DEFAULT_NEEDLE_LENGTH_MM
    expires_on: dt.date
    quantity: int
    received_on: dt.date


class FollowUpDoneIn(Schema):
    # Defaults for what the action checks itself, so its messages (naming the fix) reach
    # the form instead of the parser's generic "required".
    contact_made: bool
    contact_method: str = ""
    contacted_on: dt.date
    outcome: str = Field(default="", max_length=4000)
    referral: str = ""
    referral_detail: str = Field(default="", max_length=300)
    next_due_on: dt.date | None = Field(
        default=None, description="Another follow-up on this date (required if no contact)"
    )


class IncidentReportIn(Schema):
    what_happened: str = Field(default="", max_length=8000)
    sites: str = Field(default="", max_length=4000)
    needles: str = Field(default="", max_length=4000)
    depth: str = Field(default="", max_length=300)
    actions_taken: str = Field(default="", max_length=8000)
    outcome: str = Field(default="", max_length=8000)
    reported_to: str = Field(default="", max_length=300)


# Outputs ------------------------------------------------------------------------------


class RecallSiteOut(Schema):
    muscle_id: str
    muscle: str
    side: str
    level: str
    needle_lot: str
    match: str


class RecallSessionOut(Schema):
    session_id: int
    session_date: dt.date
    patient_id: int
    patient: str
    date_of_birth: dt.date
    phone: str
    email: str
    archived: bool
    practitioner: str
    sites: list[RecallSiteOut]
    match: str


class RecallOut(Schema):
    lot: str
    lot_key: str
    manufacturer: str
    date_from: dt.date | None
    date_to: dt.date | None
    sessions: int
    patients: int
    insertions: int
    exact: int
    normalized: int
    message: str
    notes: list[str]
    results: list[RecallSessionOut]


class FollowUpOut(Schema):
    id: int
    session_id: int
    patient_id: int
    assigned_to: str
    severity: str
    reason: str
    due_on: dt.date
    status: str
    withdrawn_reason: str
    contact_made: bool | None
    contact_method: str
    contacted_on: dt.date | None
    outcome: str
    referral: str
    referral_detail: str
    signed_by: str | None
    signed_at: dt.datetime | None
    intact: bool


class IncidentReportOut(Schema):
    id: int
    session_id: int
    patient_id: int
    practitioner: str
    occurred_on: dt.date
    what_happened: str
    sites: str
    needles: str
    depth: str
    actions_taken: str
    outcome: str
    reported_to: str
    signed_by: str | None
    signed_at: dt.datetime | None
    intact: bool

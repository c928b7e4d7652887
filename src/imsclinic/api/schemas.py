"""Output shapes of the JSON API (inputs live beside their actions).

Routes return what the selector or action built (model instances, or the chart's plain
rows) and these schemas read it once, on the way out. The note schemas (``RowOut``) are
validated straight from attributes by pydantic: ninja's Schema runs Python for every
field of every row (its DjangoGetter), which for a 100-session chart (1,500 insertions)
cost more than reading the chart (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from ninja import Schema
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from imsclinic.patients.schemas import ConsentOut, PatientOut


class RowOut(BaseModel):
    """A schema read straight from its object's attributes by pydantic: no ninja getter,
    resolvers or dotted aliases (related lists and people are converted by the
    annotated types below). Ninja documents and renders it like any of its schemas."""

    model_config = ConfigDict(from_attributes=True)


def _rows(value: Any) -> Any:
    # A related manager (prefetched or not) or the chart's Rows: a list.
    return list(value.all()) if hasattr(value, "all") else value


def _name(value: Any) -> Any:
    # A user (or the chart's PersonRef): the display name.
    return value if isinstance(value, str) else value.display_name


# Dates, timestamps and decimals are dumped as the text the JSON renderer would write for
# them (ninja's encoder is Django's), so the encoder runs at C speed instead of calling
# back into Python for each of a chart's ~1,800 of them; the documented types are kept.
_as_text = PlainSerializer(DjangoJSONEncoder().default, return_type=str)
Day = Annotated[dt.date, _as_text, WithJsonSchema({"format": "date", "type": "string"})]
Moment = Annotated[dt.datetime, _as_text, WithJsonSchema({"format": "date-time", "type": "string"})]
Number = Annotated[Decimal, _as_text]

_T = TypeVar("_T")
# The name of the user an attribute holds.
PersonName = Annotated[str, BeforeValidator(_name)]
# The rows a related manager (or a plain list) holds.
Related = Annotated[list[_T], BeforeValidator(_rows)]


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


class Integrity(RowOut):
    """The integrity check of a note or amendment (charting/integrity.py), read from the
    ``integrity`` the selector attached (checked now, one query, if it did not)."""

    integrity: Literal["draft", "intact", "altered"] = INTEGRITY
    integrity_problem: str = ""

    @model_validator(mode="wrap")
    @classmethod
    def _checked(cls, record: Any, handler: Any) -> Any:
        if isinstance(record, dict):
            return handler(record)
        found = getattr(record, "integrity", None)
        if found is None:
            from imsclinic.charting.integrity import check_note

            check_note(record)
            found = record.integrity
        model = handler(_Checked(record, found))
        return model


class _Checked:
    """A record seen with its integrity check's state and problem as plain attributes."""

    __slots__ = ("_record", "integrity", "integrity_problem")

    def __init__(self, record: Any, found: Any) -> None:
        self._record = record
        self.integrity = found.state
        self.integrity_problem = found.problem

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record, name)


class AmendmentOut(Integrity):
    id: int
    created_at: Moment
    author: PersonName
    text: str
    reason: str


class RomOut(RowOut):
    phase: str
    movement: str
    side: str
    degrees: int


class FindingOut(RowOut):
    muscle_id: str
    side: str
    level: str
    taut_band: bool
    tender_motor_point: bool
    shortened: bool
    local_twitch: bool
    normal: bool
    notes: str


class SignOut(RowOut):
    region: str
    side: str
    kind: str


class Charted(RowOut):
    charted_at: Moment = Field(
        validation_alias="created_at", description="When the note was first written"
    )
    late_entry_days: int = Field(
        validation_alias="days_late",
        description="Days between the care and its charting (clinic time); above 0 it is a "
        "late entry, shown as one on the note and in reports",
    )


class AssessmentOut(Integrity, Charted):
    id: int
    episode_id: int
    assessed_on: Day
    practitioner: PersonName
    history: str
    pain_now: int | None
    pain_locations: list[dict[str, str]]
    findings: Related[FindingOut]
    signs: Related[SignOut]
    rom: Related[RomOut]
    notes: str
    signed_at: Moment | None
    amendments: Related[AmendmentOut]


class InsertionOut(RowOut):
    position: int
    muscle_id: str
    side: str
    level: str
    needle_diameter_mm: Number
    needle_length_mm: int
    needle_lot: str
    twitch: str
    sensation: str
    notes: str


class AdverseEventOut(RowOut):
    kind: str
    severity: str
    description: str
    action_taken: str


class SessionOut(Integrity, Charted):
    id: int
    patient_id: int
    episode_id: int
    sequence: int
    session_date: Day
    practitioner: PersonName
    pain_before: int
    pain_after: int | None
    insertions: Related[InsertionOut]
    rom: Related[RomOut]
    adverse_events: Related[AdverseEventOut]
    notes: str
    acknowledged: list[str]
    signed_at: Moment | None
    content_hash: str
    amendments: Related[AmendmentOut]


class PainPointOut(Schema):
    session_date: Day
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

    @staticmethod
    def resolve_current_consent_id(chart: Any) -> int | None:
        current = chart.current_consent()
        return current.pk if current else None

    @staticmethod
    def resolve_pain_series(chart: Any) -> list[dict[str, Any]]:
        return [
            {"session_date": d, "pain_before": b, "pain_after": a, "sequence": n}
            for d, b, a, n in chart.pain_series()
        ]

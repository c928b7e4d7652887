"""Output shapes of the JSON API (inputs live beside their actions).

Routes return what the selector or action built (model instances, or the chart's plain
rows) and these schemas read it once, on the way out. The note schemas (``RowOut``) are
validated straight from attributes by pydantic: ninja's general-purpose attribute getter
runs Python for every field of every row, which for a 100-session chart (1,500
insertions) cost more than reading the chart (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from ninja import Schema
from pydantic import BeforeValidator, ModelWrapValidatorHandler, ValidationInfo, model_validator

from imsclinic.patients.schemas import ConsentOut, PatientOut


class RowOut(Schema):
    """A schema read straight from its object's attributes: no ninja getter, resolvers or
    dotted aliases. Related lists and people are converted by field validators below."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        # Overrides ninja's validator of the same name (which wraps every object in its
        # DjangoGetter); pydantic reads the attributes itself.
        return handler(values)


def _rows(value: Any) -> Any:
    # A related manager (prefetched or not) or the chart's Rows: a list.
    return list(value.all()) if hasattr(value, "all") else value


def _name(value: Any) -> Any:
    # A user (or the chart's PersonRef): the display name.
    return value if isinstance(value, str) else value.display_name


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


class AmendmentOut(RowOut):
    id: int
    created_at: dt.datetime
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


class AssessmentOut(RowOut):
    id: int
    episode_id: int
    assessed_on: dt.date
    practitioner: PersonName
    history: str
    pain_now: int | None
    pain_locations: list[dict[str, str]]
    findings: Related[FindingOut]
    signs: Related[SignOut]
    rom: Related[RomOut]
    notes: str
    signed_at: dt.datetime | None
    amendments: Related[AmendmentOut]


class InsertionOut(RowOut):
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


class AdverseEventOut(RowOut):
    kind: str
    severity: str
    description: str
    action_taken: str


class SessionOut(RowOut):
    id: int
    patient_id: int
    episode_id: int
    sequence: int
    session_date: dt.date
    practitioner: PersonName
    pain_before: int
    pain_after: int | None
    insertions: Related[InsertionOut]
    rom: Related[RomOut]
    adverse_events: Related[AdverseEventOut]
    notes: str
    acknowledged: list[str]
    signed_at: dt.datetime | None
    content_hash: str
    amendments: Related[AmendmentOut]


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

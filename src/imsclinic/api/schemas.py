"""Output shapes of the JSON API (inputs live beside their actions).

Routes return what the selector or action built (model instances, or the chart's plain
rows) and these schemas read it once, on the way out. The note schemas (``RowOut``) are
validated straight from attributes by pydantic: ninja's Schema runs Python for every
field of every row (its DjangoGetter), which for a 100-session chart (1,500 insertions)
cost more than reading the chart (docs/benchmarks.md).

Size: the API's output shapes and the one converter that dumps the chart's rows by them;
the converter is built from these schemas' fields, so they are read together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

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


# Dumping rows without validating them (issue 18) ---------------------------------------
#
# A 100-session chart holds ~1,700 rows. Validating each into a pydantic model, dumping
# the models to dicts, then encoding the dicts took more than half of the chart route
# (docs/benchmarks.md). The rows come from our own selector, already of the schema's types,
# so ``dump_rows`` reads them straight into the dicts ``model_dump()`` would give: the
# same keys in the same order and values the JSON renderer writes alike. The dumper of each
# schema is compiled from its fields once; a field kind it does not know (a validator or
# serializer other than the ones below) is refused when it is compiled, so a change to a
# schema cannot silently dump something else (tests/api/test_chart_dump.py compares the
# bytes with the validated path).

_Dumper = Callable[[Any], dict[str, Any]]
_DUMPERS: dict[type[BaseModel], _Dumper] = {}
_TEXT = DjangoJSONEncoder().default


def _text_or_none(value: Any) -> Any:
    return None if value is None else _TEXT(value)


def _day_or_none(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _decimal_or_none(value: Any) -> Any:
    return None if value is None else str(value)


def _as_text_converter(annotation: Any, metadata: list[Any]) -> Callable[[Any], Any] | None:
    """For Day, Moment or Number (or one of them or None): the renderer's text of the value
    (DjangoJSONEncoder: a date's isoformat, a Decimal's str; a datetime its own way)."""
    base = annotation
    if not any(m is _as_text for m in metadata):
        inner = [
            arg
            for arg in get_args(annotation)
            if get_origin(arg) is Annotated and _as_text in arg.__metadata__
        ]
        if not inner:
            return None
        base = get_args(inner[0])[0]
    if base is Decimal:
        return _decimal_or_none
    if base is dt.date:
        return _day_or_none
    return _text_or_none


def _field_converter(schema: type[BaseModel], name: str, info: Any) -> Callable[[Any], Any] | None:
    """How a field's attribute value becomes its dumped value (None: as it is)."""
    annotation, metadata = info.annotation, list(info.metadata)
    before = [m for m in metadata if isinstance(m, BeforeValidator)]
    known = [m for m in metadata if m is _as_text or isinstance(m, WithJsonSchema)]
    if len(before) + len(known) != len(metadata):
        raise TypeError(f"{schema.__name__}.{name}: no row dumper for {metadata}")
    if before:
        (validator,) = before
        if validator.func is _name:
            return _name
        if validator.func is _rows and get_origin(annotation) is list:
            (item,) = get_args(annotation)
            item_dump = row_dumper(item)
            return lambda value: [item_dump(row) for row in _rows(value)]
        raise TypeError(f"{schema.__name__}.{name}: no row dumper for {validator}")
    as_text = _as_text_converter(annotation, metadata)
    if as_text is not None:
        return as_text
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            raise TypeError(f"{schema.__name__}.{name}: nested models need Related[...]")
    return None  # int, str, bool, Literal, lists of those: the renderer writes them as is


def row_dumper(schema: type[BaseModel]) -> _Dumper:
    """A function turning one row into the dict ``schema.model_validate(row).model_dump()``
    would give (same keys, order and JSON text), without validating it."""
    if schema in _DUMPERS:
        return _DUMPERS[schema]
    if not issubclass(schema, RowOut):
        raise TypeError(f"{schema.__name__} is not a RowOut schema")
    decorators = schema.__pydantic_decorators__
    validators = set(decorators.model_validators)
    checked = issubclass(schema, Integrity)
    if (
        validators - ({"_checked"} if checked else set())
        or decorators.field_validators
        or decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
    ):
        raise TypeError(f"{schema.__name__}: validators or serializers need the validated path")
    names = tuple(schema.model_fields)
    sources = []
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, (name, info) in enumerate(schema.model_fields.items()):
        if checked and name in ("integrity", "integrity_problem"):
            # The Integrity found by the seal check: its state and its problem.
            sources.append("integrity")
            converters.append((index, attrgetter("state" if name == "integrity" else "problem")))
            continue
        alias = info.validation_alias
        sources.append(alias if isinstance(alias, str) else name)
        convert = _field_converter(schema, name, info)
        if convert is not None:
            converters.append((index, convert))
    read = attrgetter(*sources)

    def dump(row: Any) -> dict[str, Any]:
        if checked and getattr(row, "integrity", None) is None:
            from imsclinic.charting.integrity import check_note

            check_note(row)  # as Integrity's validator does for a record not yet checked
        values = list(read(row))
        for index, convert in converters:
            values[index] = convert(values[index])
        return dict(zip(names, values, strict=True))

    _DUMPERS[schema] = dump
    return dump


def dump_rows(schema: type[BaseModel], rows: Any) -> list[dict[str, Any]]:
    dump = row_dumper(schema)
    return [dump(row) for row in rows]


class _ChartHead:
    """The chart without its notes: ChartOut validates this (the patient, consents,
    episodes, pain series: a few dozen objects) and the notes are dumped as rows."""

    def __init__(self, chart: Any) -> None:
        self._chart = chart
        self.assessments: list[Any] = []
        self.sessions: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chart, name)


def chart_dump(chart: Any) -> dict[str, Any]:
    """What ChartOut's validated dump of ``chart`` holds, with the notes dumped as rows;
    the keys keep ChartOut's order."""
    dumped = ChartOut.model_validate(_ChartHead(chart)).model_dump()
    dumped["assessments"] = dump_rows(AssessmentOut, chart.assessments)
    dumped["sessions"] = dump_rows(SessionOut, chart.sessions)
    return dumped

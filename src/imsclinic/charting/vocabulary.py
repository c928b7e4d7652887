"""The closed vocabularies of the chart, each defined once.

Each is a ``Literal`` type (what mypy checks and the OpenAPI lists as an ``enum``) with its
labels beside it, in the order the forms offer them. Everything else derives from here:
the models' ``choices``, the input schemas (``charting.schemas``), the labels of the
tablet form, the FHIR code systems, the rollup's columns and the safety follow-ups.
Side and the kinds of Gunn's signs are anatomy's (``anatomy.levels.Side``,
``anatomy.inference.SignKind``): the reasoning reads them too.

A value outside a vocabulary is refused by the schema with a message that asks for the
value and lists the allowed ones (``Vocabulary.check``); pages and the API both show it
beside the field (core/form_input.py, api/errors.py). A new value is one line here (and
its label), plus a migration: the models' frozen ``choices`` change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import PydanticCustomError

from imsclinic.anatomy.chart import CHART_REGIONS
from imsclinic.anatomy.inference import SignKind
from imsclinic.anatomy.levels import Side

# The error code a value outside its vocabulary gets (the same as every other field
# problem the checks name "invalid"); its context carries the allowed values.
CHOICE_ERROR = "invalid"


class Vocabulary:
    """A closed list of values with labels, in the order forms offer them.

    ``literal`` is the ``Literal`` type the values are typed as (checked against the
    labels here, at import); without one (a list kept as data, such as the body-chart
    regions) the values are the labels' keys and the field type is ``str``.
    """

    def __init__(self, literal: Any, prompt: str, labels: Mapping[str, str]) -> None:
        values: tuple[str, ...] = get_args(literal) if literal is not None else tuple(labels)
        if tuple(labels) != values:
            raise ValueError(f"labels {tuple(labels)} must follow the values {values}")
        self.values = values
        self.labels: dict[str, str] = dict(labels)
        self.choices: list[tuple[str, str]] = list(labels.items())
        self.prompt = prompt  # how an error asks for it: "Record today's twitch response"
        # Field metadata: ``Annotated[Side, SIDE.check]``. A str-typed vocabulary adds
        # ``SIDE.enum`` so that the OpenAPI lists its values too.
        self.check = WrapValidator(self._validator(blank=False))
        self.check_or_blank = WrapValidator(self._validator(blank=True))
        self.enum = Field(json_schema_extra={"enum": list(values)})

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def describe(self, *, blank: bool = False) -> str:
        """'none, weak or strong' (and 'or leave it empty' when a blank is allowed)."""
        if blank:
            return f"{', '.join(self.values)} or leave it empty"
        *rest, last = self.values
        return f"{', '.join(rest)} or {last}" if rest else last

    def message(self, value: object, *, blank: bool = False) -> str:
        got = "" if value in ("", None) else f"; got {value!r}"
        return f"{self.prompt}: {self.describe(blank=blank)}{got}."

    def _validator(self, *, blank: bool) -> Callable[[Any, ValidatorFunctionWrapHandler], Any]:
        allowed = ("", *self.values) if blank else self.values

        def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
            try:
                result = handler(value)
            except ValidationError:
                result = None
            if result not in allowed:
                raise PydanticCustomError(
                    CHOICE_ERROR,
                    "{message}",
                    {"message": self.message(value, blank=blank), "allowed": allowed},
                )
            return result

        return validate


SIDE = Vocabulary(Side, "Choose the side", {"left": "Left", "right": "Right"})

# The body-chart regions are data of the chart drawing (anatomy/chart.py), kept as ids.
BODY_REGION = Vocabulary(None, "Choose a body-chart region", CHART_REGIONS)

AffectedSide = Literal["left", "right", "bilateral"]
AFFECTED_SIDE = Vocabulary(
    AffectedSide,
    "Choose the affected side",
    {"left": "Left", "right": "Right", "bilateral": "Bilateral"},
)

SIGN_KIND = Vocabulary(
    SignKind,
    "Choose the sign",
    {
        "vasomotor": "Vasomotor (colder)",
        "sudomotor": "Sudomotor (excess sweating)",
        "pilomotor": "Pilomotor (goosebumps)",
        "trophedema": "Trophedema (matchstick / peau d'orange)",
        "trophic": "Trophic (hair loss, nail, skin changes)",
    },
)

Twitch = Literal["none", "weak", "strong"]
TWITCH = Vocabulary(
    Twitch,
    "Record today's twitch response",
    {"none": "None", "weak": "Weak", "strong": "Strong"},
)

Sensation = Literal["none", "ache", "cramp", "pressure", "sharp", "electric", "referred"]
SENSATION = Vocabulary(
    Sensation,
    "Record today's sensation",
    {
        "none": "None reported",
        "ache": "Deep ache",
        "cramp": "Cramp / grabbing",
        "pressure": "Pressure / heaviness",
        "sharp": "Sharp",
        "electric": "Electric / radiating",
        "referred": "Referred pain reproduced",
    },
)

# A session measures range of motion before or after needling; an assessment's are the
# baseline (written by the action, never typed).
NeedlingPhase = Literal["before", "after"]
NEEDLING_PHASE = Vocabulary(
    NeedlingPhase,
    "Choose the ROM phase relative to needling",
    {"before": "Before needling", "after": "After needling"},
)
RomPhase = Literal["baseline", NeedlingPhase]
ROM_PHASE = Vocabulary(
    RomPhase, "Choose the ROM phase", {"baseline": "Baseline", **NEEDLING_PHASE.labels}
)

AdverseEventKind = Literal[
    "bruising", "bleeding", "soreness", "vasovagal", "nerve", "pneumothorax", "infection", "other"
]
ADVERSE_EVENT_KIND = Vocabulary(
    AdverseEventKind,
    "Choose the adverse event kind",
    {
        "bruising": "Bruising",
        "bleeding": "Bleeding",
        "soreness": "Post-needling soreness",
        "vasovagal": "Fainting / light-headedness",
        "nerve": "Nerve irritation",
        "pneumothorax": "Pneumothorax (suspected)",
        "infection": "Infection",
        "other": "Other",
    },
)

# Severity scale: mild / significant / serious [PA-AE-FAQ].
Severity = Literal["mild", "significant", "serious"]
SEVERITY = Vocabulary(
    Severity,
    "Choose the severity",
    {
        "mild": "Mild (short, reversible)",
        "significant": "Significant (needs care or limits activity)",
        "serious": "Serious (hospital, lasting harm)",
    },
)

"""Input and output shapes for patients, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ninja import Schema
from pydantic import Field, create_model

from imsclinic.rules.precautions import BY_CODE, FLAG_CODES


def _with_precautions(base: type[Schema], name: str, *, output: bool) -> Any:
    """``base`` plus one boolean per row of rules.precautions.PRECAUTIONS (the one table),
    described by its label, so the OpenAPI lists every precaution the rules know."""
    fields: dict[str, Any] = {}
    for code in FLAG_CODES:
        if not output:
            fields[code] = (bool, Field(False, description=BY_CODE[code].label))
        elif code in BOOKING_FLAGS:
            label = f"{BY_CODE[code].label}. Shown to front desk too: it changes the booking."
            fields[code] = (bool, Field(..., description=label))
        else:
            label = f"{BY_CODE[code].label}. {_CLINICAL}"
            fields[code] = (bool | None, Field(..., description=label))
    return create_model(name, __base__=base, __module__=__name__, **fields)


class _PatientIn(Schema):
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    date_of_birth: dt.date
    sex: str = "unknown"
    health_number: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=300)
    preferred_language: str = Field(default="en", description="en or fr: the patient's pages")
    medications: str = Field(default="", max_length=4000)
    lymphedema_sites: list[str] = Field(default_factory=list, max_length=4)
    lymph_nodes_removed: list[str] = Field(
        default_factory=list, max_length=4, description="Limbs whose regional nodes were removed"
    )
    precaution_notes: str = Field(default="", max_length=4000)


# Type checkers see the base (precaution flags are read by name through the table);
# at run time the schema carries every precaution field.
PatientIn = _PatientIn
if not TYPE_CHECKING:
    PatientIn = _with_precautions(_PatientIn, "PatientIn", output=False)


class ConsentIn(Schema):
    consented_on: dt.date
    text_version: str = Field(max_length=40)
    given_by: str = "patient"
    substitute_name: str = Field(default="", max_length=150)


class ConsentWithdrawIn(Schema):
    withdrawn_on: dt.date
    reason: str = Field(default="", max_length=300)


class ConsentOut(Schema):
    id: int
    consented_on: dt.date
    text_version: str
    given_by: str
    substitute_name: str
    withdrawn_on: dt.date | None
    withdrawal_reason: str


# Who sees what of a patient (core/permissions.py). Front desk registers and books: it
# sees and edits the demographics, and sees (but does not set) the two flags that change
# how a visit is booked: a needle phobia (IMS is needling; no point booking it without a
# conversation first) and inability to consent (a substitute decision-maker must come).
# Medications and every other precaution are clinical: practitioners and admins only.
BOOKING_FLAGS = ("needle_phobia", "unable_to_consent")
CLINICAL_FIELDS = (
    "medications",
    *(code for code in FLAG_CODES if code not in BOOKING_FLAGS),
    "lymphedema_sites",
    "lymph_nodes_removed",
    "precaution_notes",
)
_CLINICAL = "Null for front desk: clinical information is for practitioners and admins."


class _PatientOut(Schema):
    id: int
    family_name: str
    given_name: str
    date_of_birth: dt.date
    sex: str
    health_number: str
    phone: str
    email: str
    address: str
    preferred_language: str
    medications: str | None = Field(description=_CLINICAL)
    lymphedema_sites: list[str] | None = Field(description=_CLINICAL)
    lymph_nodes_removed: list[str] | None = Field(
        description=f"Limbs whose regional nodes were removed. {_CLINICAL}"
    )
    precaution_notes: str | None = Field(description=_CLINICAL)


PatientOut = _PatientOut
if not TYPE_CHECKING:
    PatientOut = _with_precautions(_PatientOut, "PatientOut", output=True)


class PatientSummaryOut(Schema):
    id: int
    family_name: str
    given_name: str
    date_of_birth: dt.date
    health_number: str

"""Input and output shapes for patients, shared by the pages and the JSON API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class PatientIn(Schema):
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    date_of_birth: dt.date
    sex: str = "unknown"
    health_number: str = Field(default="", max_length=30)
    phone: str = Field(default="", max_length=30)
    email: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=300)
    medications: str = Field(default="", max_length=4000)
    anticoagulants: bool = False
    bleeding_disorder: bool = False
    pregnancy: bool = False
    diabetes: bool = False
    immunocompromised: bool = False
    epilepsy: bool = False
    metal_allergy: bool = False
    pacemaker_implant: bool = False
    needle_phobia: bool = False
    unable_to_consent: bool = False
    lymphedema_sites: list[str] = Field(default_factory=list, max_length=4)
    precaution_notes: str = Field(default="", max_length=4000)


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
    "anticoagulants",
    "bleeding_disorder",
    "pregnancy",
    "diabetes",
    "immunocompromised",
    "epilepsy",
    "metal_allergy",
    "pacemaker_implant",
    "lymphedema_sites",
    "precaution_notes",
)
_CLINICAL = "Null for front desk: clinical information is for practitioners and admins."


class PatientOut(Schema):
    id: int
    family_name: str
    given_name: str
    date_of_birth: dt.date
    sex: str
    health_number: str
    phone: str
    email: str
    address: str
    medications: str | None = Field(description=_CLINICAL)
    anticoagulants: bool | None = Field(description=_CLINICAL)
    bleeding_disorder: bool | None = Field(description=_CLINICAL)
    pregnancy: bool | None = Field(description=_CLINICAL)
    diabetes: bool | None = Field(description=_CLINICAL)
    immunocompromised: bool | None = Field(description=_CLINICAL)
    epilepsy: bool | None = Field(description=_CLINICAL)
    metal_allergy: bool | None = Field(description=_CLINICAL)
    pacemaker_implant: bool | None = Field(description=_CLINICAL)
    needle_phobia: bool = Field(description="Shown to front desk too: it changes the booking")
    unable_to_consent: bool = Field(
        description="Shown to front desk too: a substitute decision-maker must attend"
    )
    lymphedema_sites: list[str] | None = Field(description=_CLINICAL)
    precaution_notes: str | None = Field(description=_CLINICAL)


class PatientSummaryOut(Schema):
    id: int
    family_name: str
    given_name: str
    date_of_birth: dt.date
    health_number: str

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
    medications: str
    anticoagulants: bool
    bleeding_disorder: bool
    pregnancy: bool
    diabetes: bool
    immunocompromised: bool
    epilepsy: bool
    metal_allergy: bool
    pacemaker_implant: bool
    needle_phobia: bool
    unable_to_consent: bool
    lymphedema_sites: list[str]
    precaution_notes: str


class PatientSummaryOut(Schema):
    id: int
    family_name: str
    given_name: str
    date_of_birth: dt.date
    health_number: str

"""Small builders every translator shares: references, dates, meta, extensions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from imsclinic.fhir import codes


@dataclass(frozen=True)
class Context:
    """What a translator needs besides the row: the clinic and the deployment's systems."""

    clinic_id: int
    health_number_system: str
    condition_system: str

    @classmethod
    def for_clinic(cls, clinic_id: int) -> Context:
        return cls(
            clinic_id=clinic_id,
            health_number_system=getattr(
                settings, "IMSCLINIC_FHIR_HEALTH_NUMBER_SYSTEM", codes.DEFAULT_HEALTH_NUMBER_SYSTEM
            ),
            condition_system=getattr(settings, "IMSCLINIC_FHIR_CONDITION_SYSTEM", codes.ICD10_CA),
        )


def ref(resource_type: str, resource_id: object, display: str = "") -> dict[str, str]:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def organization(ctx: Context) -> dict[str, str]:
    return ref("Organization", ctx.clinic_id)


def instant(value: dt.datetime) -> str:
    """An instant in UTC with milliseconds (FHIR instant: seconds and a zone required)."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def day(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def meta(updated_at: dt.datetime | None) -> dict[str, Any]:
    return {"meta": {"lastUpdated": instant(updated_at)}} if updated_at is not None else {}


def extension(name: str, value_type: str, value: Any) -> dict[str, Any]:
    return {"url": codes.extension_url(name), value_type: value}


def quantity(value: float | Decimal, unit: str, code: str) -> dict[str, Any]:
    number = float(value)
    return {
        "value": int(number) if number.is_integer() else number,
        "unit": unit,
        "system": codes.UCUM,
        "code": code,
    }


def person_name(first: str, last: str, username: str = "") -> dict[str, Any]:
    name: dict[str, Any] = {"use": "official"}
    if last:
        name["family"] = last
    if first:
        name["given"] = [first]
    if not last and not first:
        name["text"] = username
    return name


def lateral_site(side: str, text: str) -> dict[str, Any]:
    """A body-site element that says only which side: the laterality extension and text."""
    return {
        "extension": [extension("laterality", "valueCodeableConcept", codes.laterality(side))],
        "text": text,
    }


def drop_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty strings, arrays and objects: drop them (one level deep)."""
    return {key: value for key, value in resource.items() if value not in ("", None, [], {})}

"""Organization <-> core.Clinic (the tenant: only the caller's own clinic is visible)."""

from __future__ import annotations

from typing import Any

from imsclinic.core.models import Clinic
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context

FIELDS = ("id", "name", "slug")


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "id": str(row["id"]),
        "identifier": [{"system": codes.CLINIC_SYSTEM, "value": row["slug"]}],
        "active": True,
        "type": [
            {
                "coding": [
                    {
                        "system": codes.ORGANIZATION_TYPE,
                        "code": "prov",
                        "display": "Healthcare Provider",
                    }
                ]
            }
        ],
        "name": row["name"],
    }


SOURCE = Source(
    resource_type="Organization",
    model=Clinic,
    fields=FIELDS,
    build=to_fhir,
    updated=None,
    clinic="id",
)

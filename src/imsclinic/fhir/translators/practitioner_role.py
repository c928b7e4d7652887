"""PractitionerRole <-> accounts.User: the member of staff's role in this clinic."""

from __future__ import annotations

from typing import Any

from imsclinic.accounts.models import User
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, drop_empty, organization, ref

FIELDS = ("id", "is_active", "role", "profession")


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "PractitionerRole",
            "id": str(row["id"]),
            "active": row["is_active"],
            "practitioner": ref("Practitioner", row["id"]),
            "organization": organization(ctx),
            "code": [
                drop_empty(
                    {
                        "coding": [codes.system("ims-staff-role").coding(row["role"])],
                        "text": row["profession"],
                    }
                )
            ],
        }
    )


SOURCE = Source(
    resource_type="PractitionerRole", model=User, fields=FIELDS, build=to_fhir, updated=None
)

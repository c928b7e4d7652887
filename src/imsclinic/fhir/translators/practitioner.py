"""Practitioner <-> accounts.User (a member of the clinic's staff) with their needling
authorizations as qualifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from imsclinic.accounts.models import NeedlingAuthorization, User
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source, children_by
from imsclinic.fhir.translators.common import Context, drop_empty, person_name

FIELDS = ("id", "username", "first_name", "last_name", "is_active", "registration_number")


def _authorizations(rows: list[Row]) -> dict[int, list[Row]]:
    found = NeedlingAuthorization.objects.filter(
        practitioner_id__in=[row["id"] for row in rows]
    ).order_by("practitioner_id", "kind", "valid_from", "id")
    return children_by(
        list(
            found.values(
                "practitioner_id",
                "kind",
                "reference",
                "issuer",
                "valid_from",
                "valid_until",
                "revoked_on",
            )
        ),
        "practitioner_id",
    )


def _qualification(row: Row) -> dict[str, Any]:
    end: dt.date | None = row["valid_until"]
    if row["revoked_on"] is not None:
        revoked_end = row["revoked_on"] - dt.timedelta(days=1)
        end = revoked_end if end is None else min(end, revoked_end)
    period = {"start": row["valid_from"].isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return drop_empty(
        {
            "identifier": [{"value": row["reference"]}],
            "code": {"coding": [codes.system("ims-authorization").coding(row["kind"])]},
            "period": period,
            "issuer": {"display": row["issuer"]} if row["issuer"] else None,
        }
    )


def to_fhir(row: Row, extra: dict[int, list[Row]], ctx: Context) -> dict[str, Any]:
    identifiers = []
    if row["registration_number"]:
        identifiers.append(
            {
                "type": {
                    "coding": [{"system": codes.V2_0203, "code": "LN", "display": "License number"}]
                },
                "system": codes.REGISTRATION_SYSTEM,
                "value": row["registration_number"],
            }
        )
    return drop_empty(
        {
            "resourceType": "Practitioner",
            "id": str(row["id"]),
            "identifier": identifiers,
            "active": row["is_active"],
            "name": [person_name(row["first_name"], row["last_name"], row["username"])],
            "qualification": [_qualification(a) for a in extra.get(row["id"], [])],
        }
    )


SOURCE = Source(
    resource_type="Practitioner",
    model=User,
    fields=FIELDS,
    build=to_fhir,
    children=_authorizations,
    updated=None,
)


def name_matches(text: str) -> Q:
    return Q(first_name__istartswith=text) | Q(last_name__istartswith=text)

"""EpisodeOfCare <-> charting.Episode: the course of care, its period, goals and referral."""

from __future__ import annotations

from typing import Any

from imsclinic.charting.models import Episode
from imsclinic.fhir import codes
from imsclinic.fhir.importing import Entry, Problems
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import (
    Context,
    drop_empty,
    extension,
    meta,
    organization,
    ref,
)

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "practitioner_id",
    "opened_on",
    "closed_on",
    "goals",
    "referring_physician",
)


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    period = {"start": row["opened_on"].isoformat()}
    if row["closed_on"] is not None:
        period["end"] = row["closed_on"].isoformat()
    return drop_empty(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": [extension("episode-goals", "valueString", row["goals"])]
            if row["goals"]
            else [],
            "status": "active" if row["closed_on"] is None else "finished",
            "diagnosis": [{"condition": ref("Condition", row["id"]), "rank": 1}],
            "patient": ref("Patient", row["patient_id"]),
            "managingOrganization": organization(ctx),
            "period": period,
            "referralRequest": [{"display": row["referring_physician"]}]
            if row["referring_physician"]
            else [],
            "careManager": ref("Practitioner", row["practitioner_id"]),
        }
    )


SOURCE = Source(
    resource_type="EpisodeOfCare",
    model=Episode,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="opened_on",
)


def episode_values(entry: Entry, problems: Problems) -> dict[str, Any]:
    """EpisodeIn fields an EpisodeOfCare adds to its Condition's, and its closing day."""
    resource = entry.resource
    values: dict[str, Any] = {}
    for ext in resource.get("extension") or []:
        if ext.get("url") == codes.extension_url("episode-goals"):
            values["goals"] = ext.get("valueString", "")
    referrals = [r.get("display", "") for r in resource.get("referralRequest") or []]
    if referrals and referrals[0]:
        values["referring_physician"] = referrals[0]
    period = resource.get("period") or {}
    if period.get("start"):
        values["opened_on"] = str(period["start"])[:10]
    if period.get("end"):
        values["closed_on"] = str(period["end"])[:10]
    elif resource.get("status") == "finished":
        entry.problem_at(
            problems,
            "EpisodeOfCare.period.end",
            "required",
            "A finished episode of care needs period.end (the discharge day).",
        )
    return values

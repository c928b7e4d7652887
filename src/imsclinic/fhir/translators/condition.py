"""Condition <-> charting.Episode: the diagnosis a course of IMS treats (ICD-10-CA/-CM).

One Condition per episode, with the episode's id. It is active while the episode is open;
a closed episode says the course ended, not that the condition resolved, so its clinical
status is left out (the EpisodeOfCare carries the end of the course).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from imsclinic.charting.models import Episode
from imsclinic.charting.schemas import EpisodeIn
from imsclinic.fhir import codes
from imsclinic.fhir.importing import Entry, Problems
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, drop_empty, lateral_site, meta, ref

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "practitioner_id",
    "condition_code",
    "condition_label",
    "affected_side",
    "onset_date",
    "opened_on",
    "closed_on",
)

_SIDE_TEXT = {"left": "Left side", "right": "Right side", "bilateral": "Both sides"}


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": str(row["id"]),
        **meta(row["updated_at"]),
    }
    if row["closed_on"] is None:
        condition["clinicalStatus"] = {
            "coding": [{"system": codes.CONDITION_CLINICAL, "code": "active", "display": "Active"}]
        }
    condition.update(
        {
            "category": codes.category(
                codes.CONDITION_CATEGORY, "encounter-diagnosis", "Encounter Diagnosis"
            ),
            "code": {
                "coding": [
                    {
                        "system": ctx.condition_system,
                        "code": row["condition_code"],
                        "display": row["condition_label"],
                    }
                ],
                "text": row["condition_label"],
            },
            "bodySite": [lateral_site(row["affected_side"], _SIDE_TEXT[row["affected_side"]])]
            if row["affected_side"]
            else [],
            "subject": ref("Patient", row["patient_id"]),
            "onsetDateTime": row["onset_date"].isoformat() if row["onset_date"] else None,
            "recordedDate": row["opened_on"].isoformat(),
            "recorder": ref("Practitioner", row["practitioner_id"]),
        }
    )
    return drop_empty(condition)


def code_match(system: str | None, code: str) -> Q | bool:
    if system is not None and system not in codes.ICD10_SYSTEMS:
        return False
    return Q(condition_code__iexact=code)


SOURCE = Source(
    resource_type="Condition",
    model=Episode,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="opened_on",
    code=code_match,
)


# Import ---------------------------------------------------------------------------------

FIELD_PATHS = {
    "condition_code": "Condition.code",
    "condition_label": "Condition.code.text",
    "affected_side": "Condition.bodySite",
    "onset_date": "Condition.onsetDateTime",
    "opened_on": "Condition.recordedDate",
    "goals": "EpisodeOfCare.extension",
    "referring_physician": "EpisodeOfCare.referralRequest",
}


def _day(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return text


def episode_values(entry: Entry, problems: Problems) -> dict[str, Any]:
    """EpisodeIn fields from a Condition (problems recorded on the entry)."""
    resource = entry.resource
    at = entry.problem_at
    values: dict[str, Any] = {}
    concept = resource.get("code") or {}
    coding = next(
        (c for c in concept.get("coding", []) if c.get("system") in codes.ICD10_SYSTEMS), None
    )
    if coding is None:
        at(
            problems,
            "Condition.code",
            "required",
            "Code the condition in ICD-10-CA, ICD-10-CM or ICD-10 (system "
            f"{codes.ICD10_CA}, {codes.ICD10_CM} or {codes.ICD10_WHO}).",
        )
    else:
        code = str(coding.get("code", "")).strip().upper()
        problem = codes.icd10_problem(code)
        if problem:
            at(problems, "Condition.code.coding", "code-invalid", problem)
        values["condition_code"] = code
        values["condition_label"] = coding.get("display") or concept.get("text") or ""
    sides = [
        codes.side_from_laterality(_laterality(site)) for site in resource.get("bodySite") or []
    ]
    sides = [s for s in sides if s]
    if sides:
        values["affected_side"] = sides[0]
    if resource.get("onsetDateTime"):
        values["onset_date"] = _day(str(resource["onsetDateTime"]))
    if resource.get("recordedDate"):
        values["opened_on"] = _day(str(resource["recordedDate"]))
    else:
        at(
            problems,
            "Condition.recordedDate",
            "required",
            "Give recordedDate: the day the course of care for this condition started.",
        )
    return values


def _laterality(site: dict[str, Any]) -> dict[str, Any] | None:
    for ext in site.get("extension") or []:
        if ext.get("url") == codes.extension_url("laterality"):
            return ext.get("valueCodeableConcept")
    return None


def to_input(values: dict[str, Any], entry: Entry, problems: Problems) -> EpisodeIn | None:
    if problems.for_entry(entry.index):
        return None
    return entry.parse(EpisodeIn, values, FIELD_PATHS, problems)

"""Encounter <-> a treatment session or an assessment (one visit each)."""

from __future__ import annotations

from typing import Any

from imsclinic.charting.models import Assessment, TreatmentSession
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, meta, organization, ref

SESSION_FIELDS = ("id", "updated_at", "patient_id", "episode_id", "practitioner_id", "session_date")
ASSESSMENT_FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "episode_id",
    "practitioner_id",
    "assessed_on",
)


def _encounter(row: Row, kind: str, prefix: str, day: str, ctx: Context) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "id": f"{prefix}-{row['id']}",
        **meta(row["updated_at"]),
        "status": "finished",
        "class": {"system": codes.V3_ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [codes.system("ims-encounter-type").coding(kind)]}],
        "subject": ref("Patient", row["patient_id"]),
        "episodeOfCare": [ref("EpisodeOfCare", row["episode_id"])],
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": codes.V3_PARTICIPATION,
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "individual": ref("Practitioner", row["practitioner_id"]),
            }
        ],
        "period": {"start": day, "end": day},
        "reasonReference": [ref("Condition", row["episode_id"])],
        "serviceProvider": organization(ctx),
    }


def session_encounter(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _encounter(row, "treatment-session", "session", row["session_date"].isoformat(), ctx)


def assessment_encounter(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _encounter(row, "assessment", "assessment", row["assessed_on"].isoformat(), ctx)


def _type_match(kind: str):  # type: ignore[no-untyped-def]
    def match(system: str | None, code: str) -> bool:
        return system in (None, codes.local("ims-encounter-type")) and code == kind

    return match


SESSION = Source(
    resource_type="Encounter",
    model=TreatmentSession,
    fields=SESSION_FIELDS,
    build=session_encounter,
    prefix="session",
    patient="patient_id",
    date="session_date",
    code=_type_match("treatment-session"),
)
ASSESSMENT = Source(
    resource_type="Encounter",
    model=Assessment,
    fields=ASSESSMENT_FIELDS,
    build=assessment_encounter,
    prefix="assessment",
    patient="patient_id",
    date="assessed_on",
    code=_type_match("assessment"),
)
SOURCES = (SESSION, ASSESSMENT)

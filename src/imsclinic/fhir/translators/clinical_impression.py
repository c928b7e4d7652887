"""ClinicalImpression <-> charting.Assessment: the history, the examination (muscle findings,
Gunn's signs of neuropathy, the body-chart pain marks) and the practitioner's notes.

Each finding is a ``finding.itemCodeableConcept``: a muscle (as in Procedure.bodySite) with
its laterality, spinal level and exam signs (extension ``muscle-finding``), a neuropathy sign
at a body-chart region, or a marked painful region. Amendments are ``note`` annotations.
"""

from __future__ import annotations

from typing import Any

from imsclinic.charting.models import Amendment, Assessment, MuscleFinding, NeuropathySign
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source, children_by
from imsclinic.fhir.translators.common import Context, drop_empty, extension, instant, meta, ref

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "episode_id",
    "practitioner_id",
    "assessed_on",
    "history",
    "notes",
    "pain_locations",
    "signed_at",
)
SIGNS = ("taut_band", "tender_motor_point", "shortened", "local_twitch", "normal")


def assessment_children(rows: list[Row]) -> dict[str, dict[int, list[Row]]]:
    """Findings, signs and amendments of a batch of assessments: three queries."""
    ids = [row["id"] for row in rows]
    findings = MuscleFinding.objects.filter(assessment_id__in=ids).order_by(
        "assessment_id", "position"
    )
    signs = NeuropathySign.objects.filter(assessment_id__in=ids).order_by(
        "assessment_id", "region", "side", "kind"
    )
    amendments = Amendment.objects.filter(assessment_id__in=ids).order_by(
        "assessment_id", "created_at", "id"
    )
    return {
        "findings": children_by(
            list(findings.values("assessment_id", "muscle_id", "side", "level", "notes", *SIGNS)),
            "assessment_id",
        ),
        "signs": children_by(
            list(signs.values("assessment_id", "region", "side", "kind")), "assessment_id"
        ),
        "amendments": children_by(
            list(amendments.values("assessment_id", "author_id", "created_at", "text", "reason")),
            "assessment_id",
        ),
    }


def _laterality(side: str) -> dict[str, Any]:
    return extension("laterality", "valueCodeableConcept", codes.laterality(side))


def _muscle_finding(row: Row) -> dict[str, Any]:
    concept = codes.muscle_concept(row["muscle_id"])
    signs = [name for name in SIGNS if row[name]]
    extensions = [_laterality(row["side"])]
    if row["level"]:
        extensions.append(extension("spinal-level", "valueCode", row["level"]))
    extensions += [
        extension("muscle-finding", "valueCoding", codes.system("ims-muscle-finding").coding(name))
        for name in signs
    ]
    labels = ", ".join(
        codes.system("ims-muscle-finding").codes[name].display.lower() for name in signs
    )
    level = f" {row['level']}" if row["level"] else ""
    item = {
        "extension": extensions,
        **concept,
        "text": f"{concept['text']}{level}, {row['side']}: {labels}",
    }
    return drop_empty({"itemCodeableConcept": item, "basis": row["notes"]})


def _region(region: str, side: str, coding: dict[str, str], what: str) -> dict[str, Any]:
    place = codes.system("ims-body-region").codes[region].display.lower()
    return {
        "itemCodeableConcept": {
            "extension": [_laterality(side)],
            "coding": [coding, codes.system("ims-body-region").coding(region)],
            "text": f"{what}: {place}, {side}",
        }
    }


def to_fhir(row: Row, extra: dict[str, dict[int, list[Row]]], ctx: Context) -> dict[str, Any]:
    findings = [_muscle_finding(f) for f in extra["findings"].get(row["id"], [])]
    for sign in extra["signs"].get(row["id"], []):
        coding = codes.system("ims-neuropathy-sign").coding(sign["kind"])
        findings.append(_region(sign["region"], sign["side"], coding, coding["display"]))
    pain = codes.system("ims-muscle-finding").coding("pain-location")
    for mark in row["pain_locations"] or []:
        findings.append(_region(mark["region"], mark["side"], pain, "Pain"))
    notes = [
        {
            "authorReference": ref("Practitioner", a["author_id"]),
            "time": instant(a["created_at"]),
            "text": f"Amendment ({a['reason']}): {a['text']}",
        }
        for a in extra["amendments"].get(row["id"], [])
    ]
    return drop_empty(
        {
            "resourceType": "ClinicalImpression",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "status": "completed" if row["signed_at"] is not None else "in-progress",
            "description": row["history"],
            "subject": ref("Patient", row["patient_id"]),
            "encounter": ref("Encounter", f"assessment-{row['id']}"),
            "effectiveDateTime": row["assessed_on"].isoformat(),
            "assessor": ref("Practitioner", row["practitioner_id"]),
            "problem": [ref("Condition", row["episode_id"])],
            "summary": row["notes"],
            "finding": findings,
            "note": notes,
        }
    )


SOURCE = Source(
    resource_type="ClinicalImpression",
    model=Assessment,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="assessed_on",
    children=assessment_children,
)

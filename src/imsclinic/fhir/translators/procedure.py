"""Procedure <-> the needling of a treatment session.

Each insertion is one ``bodySite``: the muscle (SNOMED CT where an exactly equivalent body
structure exists, the ims-muscle code always), with the laterality, spinal level, needle
(lot, diameter, length), twitch, sensation and note as documented extensions on that
bodySite element (docs/fhir.md). Session notes and amendments are ``note`` annotations.
"""

from __future__ import annotations

import functools
from typing import Any

from imsclinic.charting.models import Amendment, Insertion, TreatmentSession
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source, children_by
from imsclinic.fhir.translators.common import (
    Context,
    drop_empty,
    extension,
    instant,
    meta,
    quantity,
    ref,
)

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "episode_id",
    "practitioner_id",
    "session_date",
    "notes",
    "acknowledged",
    "signed_at",
)
INSERTION_FIELDS = (
    "session_id",
    "muscle_id",
    "side",
    "level",
    "needle_diameter_mm",
    "needle_length_mm",
    "needle_lot",
    "twitch",
    "sensation",
    "notes",
)


def session_children(rows: list[Row]) -> dict[str, dict[int, list[Row]]]:
    """Insertions and amendments of a batch of sessions: two queries whatever its size."""
    ids = [row["id"] for row in rows]
    clinic_ids = {int(row["clinic_id"]) for row in rows if row.get("clinic_id") is not None}
    insertions = Insertion.objects.filter(session_id__in=ids)
    amendments = Amendment.objects.filter(session_id__in=ids)
    if clinic_ids:
        insertions = insertions.filter(clinic_id__in=clinic_ids)
        amendments = amendments.filter(clinic_id__in=clinic_ids)
    return {
        "insertions": children_by(
            list(insertions.order_by("session_id", "position").values(*INSERTION_FIELDS)),
            "session_id",
        ),
        "amendments": children_by(
            list(
                amendments.order_by("session_id", "created_at", "id").values(
                    "session_id", "author_id", "created_at", "text", "reason"
                )
            ),
            "session_id",
        ),
    }


# An export writes millions of insertions drawn from a few hundred muscles, sides and
# needles: their parts are built once and shared (nothing mutates a built resource).
@functools.cache
def _constant(name: str, value_type: str, value: Any) -> dict[str, Any]:
    if value_type == "valueQuantity":
        return extension(name, value_type, quantity(value, "mm", "mm"))
    if value_type == "valueCodeableConcept":
        return extension(name, value_type, codes.laterality(value))
    if value_type == "valueCoding":
        return extension(name, value_type, codes.system(value[0]).coding(value[1]))
    return extension(name, value_type, value)


@functools.cache
def _muscle(muscle_id: str) -> tuple[list[dict[str, str]], str]:
    concept = codes.muscle_concept(muscle_id)
    return concept["coding"], concept["text"]


def body_site(insertion: Row) -> dict[str, Any]:
    coding, name = _muscle(insertion["muscle_id"])
    level = insertion["level"]
    extensions = [_constant("laterality", "valueCodeableConcept", insertion["side"])]
    if level:
        extensions.append(_constant("spinal-level", "valueCode", level))
    extensions += [
        extension("needle-lot", "valueString", insertion["needle_lot"]),
        _constant("needle-diameter", "valueQuantity", insertion["needle_diameter_mm"]),
        _constant("needle-length", "valueQuantity", insertion["needle_length_mm"]),
        _constant("twitch-response", "valueCoding", ("ims-twitch", insertion["twitch"])),
        _constant("needling-sensation", "valueCoding", ("ims-sensation", insertion["sensation"])),
    ]
    if insertion["notes"]:
        extensions.append(extension("insertion-note", "valueString", insertion["notes"]))
    text = f"{name} {level}, {insertion['side']}" if level else f"{name}, {insertion['side']}"
    return {"extension": extensions, "coding": coding, "text": text}


def to_fhir(row: Row, extra: dict[str, dict[int, list[Row]]], ctx: Context) -> dict[str, Any]:
    insertions = extra["insertions"].get(row["id"], [])
    notes = []
    if row["notes"]:
        notes.append(
            {"authorReference": ref("Practitioner", row["practitioner_id"]), "text": row["notes"]}
        )
    for amendment in extra["amendments"].get(row["id"], []):
        notes.append(
            {
                "authorReference": ref("Practitioner", amendment["author_id"]),
                "time": instant(amendment["created_at"]),
                "text": f"Amendment ({amendment['reason']}): {amendment['text']}",
            }
        )
    return drop_empty(
        {
            "resourceType": "Procedure",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": [
                extension(
                    "acknowledged-precaution",
                    "valueCoding",
                    codes.system("ims-needling-precaution").coding(code),
                )
                for code in row["acknowledged"] or []
            ],
            # A session with no insertion recorded pain but did not needle.
            "status": "completed" if insertions else "not-done",
            "code": {
                "coding": [codes.system("ims-procedure").coding("ims-needling")],
                "text": "Intramuscular stimulation (Gunn IMS)",
            },
            "subject": ref("Patient", row["patient_id"]),
            "encounter": ref("Encounter", f"session-{row['id']}"),
            "performedDateTime": row["session_date"].isoformat(),
            "performer": [{"actor": ref("Practitioner", row["practitioner_id"])}],
            "reasonReference": [ref("Condition", row["episode_id"])],
            "bodySite": [body_site(insertion) for insertion in insertions],
            "note": notes,
        }
    )


def code_match(system: str | None, code: str) -> bool:
    return system in (None, codes.local("ims-procedure")) and code == "ims-needling"


SOURCE = Source(
    resource_type="Procedure",
    model=TreatmentSession,
    fields=(*FIELDS, "clinic_id"),
    build=to_fhir,
    patient="patient_id",
    date="session_date",
    code=code_match,
    children=session_children,
)

"""AdverseEvent <-> charting.AdverseEvent: an adverse event after a session's needling."""

from __future__ import annotations

from typing import Any

from imsclinic.charting.models import AdverseEvent
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, drop_empty, extension, meta, ref

FIELDS = (
    "id",
    "updated_at",
    "session_id",
    "session__patient_id",
    "session__practitioner_id",
    "session__session_date",
    "kind",
    "severity",
    "description",
    "action_taken",
)


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    kind = codes.system("ims-adverse-event").coding(row["kind"])
    hl7 = codes.ADVERSE_SEVERITY_HL7[row["severity"]]
    return drop_empty(
        {
            "resourceType": "AdverseEvent",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": [extension("adverse-event-action", "valueString", row["action_taken"])]
            if row["action_taken"]
            else [],
            "actuality": "actual",
            "event": drop_empty({"coding": [kind], "text": row["description"] or kind["display"]}),
            "subject": ref("Patient", row["session__patient_id"]),
            "encounter": ref("Encounter", f"session-{row['session_id']}"),
            "date": row["session__session_date"].isoformat(),
            "severity": {
                "coding": [
                    {"system": codes.ADVERSE_EVENT_SEVERITY, "code": hl7, "display": hl7.title()},
                    codes.system("ims-adverse-severity").coding(row["severity"]),
                ]
            },
            "recorder": ref("Practitioner", row["session__practitioner_id"]),
            "suspectEntity": [{"instance": ref("Procedure", row["session_id"])}],
        }
    )


SOURCE = Source(
    resource_type="AdverseEvent",
    model=AdverseEvent,
    fields=FIELDS,
    build=to_fhir,
    patient="session__patient_id",
    date="session__session_date",
)

"""Provenance: who signed a note and when, and each amendment to a signed note (by whom,
when, why). A signed session is its Procedure and Encounter; an assessment its
ClinicalImpression and Encounter."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from imsclinic.charting.models import Amendment, Assessment, TreatmentSession
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, instant, ref

AUTHOR_SIGNATURE = {
    "system": codes.SIGNATURE_TYPE,
    "code": "1.2.840.10065.1.12.1.1",
    "display": "Author's Signature",
}


def _agent(kind: str, user_id: int) -> dict[str, Any]:
    return {
        "type": {
            "coding": [
                {"system": codes.PROVENANCE_AGENT_TYPE, "code": kind, "display": kind.title()}
            ]
        },
        "who": ref("Practitioner", user_id),
    }


def _targets(owner: str, pk: int) -> list[dict[str, str]]:
    if owner == "session":
        return [ref("Procedure", pk), ref("Encounter", f"session-{pk}")]
    return [ref("ClinicalImpression", pk), ref("Encounter", f"assessment-{pk}")]


def _signature(owner: str):  # type: ignore[no-untyped-def]
    def build(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
        signed = instant(row["signed_at"])
        return {
            "resourceType": "Provenance",
            "id": f"{owner}-signature-{row['id']}",
            "meta": {"lastUpdated": signed},
            "target": _targets(owner, row["id"]),
            "recorded": signed,
            "agent": [_agent("verifier", row["practitioner_id"])],
            "signature": [
                {
                    "type": [AUTHOR_SIGNATURE],
                    "when": signed,
                    "who": ref("Practitioner", row["practitioner_id"]),
                }
            ],
        }

    return build


def _amendment(owner: str):  # type: ignore[no-untyped-def]
    def build(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
        recorded = instant(row["created_at"])
        return {
            "resourceType": "Provenance",
            "id": f"{owner}-amendment-{row['id']}",
            "meta": {"lastUpdated": recorded},
            "target": _targets(owner, row[f"{owner}_id"]),
            "recorded": recorded,
            "activity": {
                "coding": [
                    {"system": codes.V3_DATA_OPERATION, "code": "UPDATE", "display": "revise"}
                ],
                "text": "Amendment to a signed note",
            },
            "reason": [{"text": row["reason"]}],
            "agent": [_agent("author", row["author_id"])],
        }

    return build


def _signature_source(owner: str, model: Any) -> Source:
    return Source(
        resource_type="Provenance",
        model=model,
        fields=("id", "practitioner_id", "signed_at"),
        build=_signature(owner),
        prefix=f"{owner}-signature",
        where=Q(signed_at__isnull=False),
        patient="patient_id",
        date="signed_at",
        updated="signed_at",
    )


def _amendment_source(owner: str) -> Source:
    return Source(
        resource_type="Provenance",
        model=Amendment,
        fields=("id", f"{owner}_id", "author_id", "created_at", "reason"),
        build=_amendment(owner),
        prefix=f"{owner}-amendment",
        where=Q(**{f"{owner}__isnull": False}),
        patient=f"{owner}__patient_id",
        date="created_at",
        updated="created_at",
    )


SOURCES = (
    _signature_source("session", TreatmentSession),
    _signature_source("assessment", Assessment),
    _amendment_source("session"),
    _amendment_source("assessment"),
)

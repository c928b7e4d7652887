"""Consent <-> patients.Consent: informed consent to needling (treatment scope)."""

from __future__ import annotations

from typing import Any

from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import (
    Context,
    drop_empty,
    extension,
    meta,
    organization,
    ref,
)
from imsclinic.patients.models import Consent

FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "consented_on",
    "text_version",
    "given_by",
    "substitute_name",
    "withdrawn_on",
    "withdrawal_reason",
)


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    patient = ref("Patient", row["patient_id"])
    performer = patient
    if row["given_by"] == "substitute":
        performer = {"display": f"{row['substitute_name']} (substitute decision-maker)"}
    period = {"start": row["consented_on"].isoformat()}
    if row["withdrawn_on"] is not None:
        period["end"] = row["withdrawn_on"].isoformat()
    return drop_empty(
        {
            "resourceType": "Consent",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": [
                extension("consent-withdrawal-reason", "valueString", row["withdrawal_reason"])
            ]
            if row["withdrawal_reason"]
            else [],
            "status": "active" if row["withdrawn_on"] is None else "inactive",
            "scope": {
                "coding": [
                    {"system": codes.CONSENT_SCOPE, "code": "treatment", "display": "Treatment"}
                ]
            },
            "category": codes.category(codes.LOINC, *codes.CONSENT_LOINC),
            "patient": patient,
            "dateTime": row["consented_on"].isoformat(),
            "performer": [performer],
            "organization": [organization(ctx)],
            "policy": [{"uri": f"{codes.CONSENT_TEXT_POLICY}/{row['text_version']}"}],
            "provision": {"type": "permit", "period": period},
        }
    )


SOURCE = Source(
    resource_type="Consent",
    model=Consent,
    fields=FIELDS,
    build=to_fhir,
    patient="patient_id",
    date="consented_on",
)

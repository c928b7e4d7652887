"""The CapabilityStatement, generated from the registry: it lists exactly the resource
types, interactions, search parameters, includes and operations the server implements."""

from __future__ import annotations

from typing import Any

from imsclinic.fhir.registry import STATIC_TYPES, resource_types

EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
PATIENT_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"
GROUP_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"


def capability_statement(base_url: str, date: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for rt in resource_types().values():
        entry: dict[str, Any] = {
            "type": rt.name,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
            "searchParam": [
                {"name": p.name, "type": p.type, "documentation": p.documentation}
                for p in rt.params_by_name.values()
            ],
        }
        if rt.documentation:
            entry["documentation"] = rt.documentation
        if rt.includes:
            entry["searchInclude"] = list(rt.includes)
        if rt.name == "Patient":
            entry["operation"] = [
                {"name": "everything", "definition": EVERYTHING},
                {"name": "export", "definition": PATIENT_EXPORT},
            ]
        if rt.name == "Group":
            entry["operation"] = [{"name": "export", "definition": GROUP_EXPORT}]
        resources.append(entry)
    for name in STATIC_TYPES:
        resources.append(
            {
                "type": name,
                "documentation": "Definitions published by this server (no token needed).",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": "_id", "type": "token"},
                    {"name": "url", "type": "uri"},
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "IMS Clinic",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {"name": "IMS Clinic"},
        "implementation": {"description": "IMS Clinic FHIR R4 server", "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Reads, searches, Patient $everything, Bulk Data $export (system, Patient, "
                    "Group) and transaction import of Patient, Condition, EpisodeOfCare and "
                    "QuestionnaireResponse. Mapping: docs/fhir.md."
                ),
                "security": {
                    "cors": False,
                    "description": (
                        "Bearer tokens from POST /api/v1/auth/token ('Authorization: Bearer "
                        "<token>'), the same tokens and roles as /api/v1; every response is "
                        "limited to the token's clinic."
                    ),
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
                "operation": [{"name": "export", "definition": EXPORT}],
            }
        ],
    }

"""The extensions our resources carry, each published as a StructureDefinition that every
server serves at /fhir/R4/StructureDefinition/<id> (definitions repeated in docs/fhir.md)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from imsclinic.fhir import codes


@dataclass(frozen=True)
class ExtensionDef:
    id: str
    title: str
    definition: str
    contexts: tuple[str, ...]
    value_type: str  # FHIR data type of value[x]
    code_system: str = ""  # local code system the value's codes come from
    repeats: bool = False

    @property
    def url(self) -> str:
        return codes.extension_url(self.id)


DEFINITIONS = (
    ExtensionDef(
        "laterality",
        "Laterality",
        "The side of the body of this site: SNOMED CT laterality qualifier (left 7771000, "
        "right 24028007, both 51440002).",
        (
            "Procedure.bodySite",
            "Condition.bodySite",
            "Observation.bodySite",
            "ClinicalImpression.finding.itemCodeableConcept",
        ),
        "CodeableConcept",
    ),
    ExtensionDef(
        "spinal-level",
        "Spinal level",
        "The segment of a paraspinal site (C2 to S2, as in the anatomy catalog).",
        ("Procedure.bodySite", "ClinicalImpression.finding.itemCodeableConcept"),
        "code",
    ),
    ExtensionDef(
        "needle-lot",
        "Needle lot",
        "Manufacturer's lot number of the needle used at this site, for traceability.",
        ("Procedure.bodySite",),
        "string",
    ),
    ExtensionDef(
        "needle-diameter",
        "Needle diameter",
        "Diameter of the needle used at this site, in millimetres (UCUM mm).",
        ("Procedure.bodySite",),
        "Quantity",
    ),
    ExtensionDef(
        "needle-length",
        "Needle length",
        "Length of the needle used at this site, in millimetres (UCUM mm).",
        ("Procedure.bodySite",),
        "Quantity",
    ),
    ExtensionDef(
        "twitch-response",
        "Twitch response",
        "The local twitch response seen or felt when this site was needled (none, weak, strong).",
        ("Procedure.bodySite",),
        "Coding",
        "ims-twitch",
    ),
    ExtensionDef(
        "needling-sensation",
        "Needling sensation",
        "What the patient reported feeling when this site was needled.",
        ("Procedure.bodySite",),
        "Coding",
        "ims-sensation",
    ),
    ExtensionDef(
        "insertion-note",
        "Insertion note",
        "The practitioner's free-text note on this needling site.",
        ("Procedure.bodySite",),
        "string",
    ),
    ExtensionDef(
        "acknowledged-precaution",
        "Acknowledged precaution",
        "A relative contraindication the practitioner acknowledged before needling in this session.",
        ("Procedure",),
        "Coding",
        "ims-needling-precaution",
        repeats=True,
    ),
    ExtensionDef(
        "muscle-finding",
        "Muscle finding",
        "A sign found on examining this muscle (taut band, tender motor point, shortened, "
        "local twitch response, or normal); one extension per sign.",
        ("ClinicalImpression.finding.itemCodeableConcept",),
        "Coding",
        "ims-muscle-finding",
        repeats=True,
    ),
    ExtensionDef(
        "needling-phase",
        "Needling phase",
        "When the measurement was taken: baseline (assessment), before or after needling.",
        ("Observation",),
        "Coding",
        "ims-needling-phase",
    ),
    ExtensionDef(
        "needling-precaution",
        "Needling precaution",
        "A condition of the patient the needling safety rules read (relative or absolute "
        "contraindication); one extension per precaution that applies.",
        ("Patient",),
        "Coding",
        "ims-needling-precaution",
        repeats=True,
    ),
    ExtensionDef(
        "lymphedema-site",
        "Lymphedematous limb",
        "A limb with lymphedema, where needling is contraindicated; one per limb.",
        ("Patient",),
        "Coding",
        "ims-lymphedema-site",
        repeats=True,
    ),
    ExtensionDef(
        "medications-note",
        "Medications (free text)",
        "The patient's medications as recorded at registration, for the needling precautions.",
        ("Patient",),
        "string",
    ),
    ExtensionDef(
        "precaution-note",
        "Precaution note",
        "Free-text detail of the patient's needling precautions.",
        ("Patient",),
        "string",
    ),
    ExtensionDef(
        "episode-goals",
        "Goals of the course",
        "The goals agreed for this course of care, as free text.",
        ("EpisodeOfCare",),
        "string",
    ),
    ExtensionDef(
        "adverse-event-action",
        "Action taken",
        "What was done about the adverse event.",
        ("AdverseEvent",),
        "string",
    ),
    ExtensionDef(
        "consent-withdrawal-reason",
        "Withdrawal reason",
        "Why the patient withdrew this consent.",
        ("Consent",),
        "string",
    ),
)
BY_ID = {definition.id: definition for definition in DEFINITIONS}


def structure_definition(ext: ExtensionDef) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": "Extension.value[x]",
        "path": "Extension.value[x]",
        "min": 1,
        "type": [{"code": ext.value_type}],
    }
    if ext.code_system:
        value["short"] = f"A code from {codes.local(ext.code_system)}"
    return {
        "resourceType": "StructureDefinition",
        "id": ext.id,
        "url": ext.url,
        "version": "1.0.0",
        "name": "".join(part.title() for part in ext.id.split("-")),
        "title": ext.title,
        "status": "active",
        "publisher": "IMS Clinic",
        "description": ext.definition,
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": path} for path in ext.contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {
                    "id": "Extension",
                    "path": "Extension",
                    "short": ext.title,
                    "definition": ext.definition,
                    "min": 0,
                    "max": "*" if ext.repeats else "1",
                },
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": ext.url},
                value,
            ]
        },
    }


@functools.cache
def all_structure_definitions() -> tuple[dict[str, Any], ...]:
    return tuple(structure_definition(ext) for ext in DEFINITIONS)

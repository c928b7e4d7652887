"""The code systems our FHIR resources use, and the code-list validators that check them.

Two kinds of system:

* External ones (SNOMED CT, LOINC, ICD-10, UCUM, HL7 terminology). We emit only codes
  listed here, each with the publication it was taken from; a code we could not check
  against a publication is not emitted (a local code is used instead).
* Local ones, published by every IMS Clinic server as ``CodeSystem/<id>`` and generated
  from the data the app already uses (the anatomy catalog, the measure definitions, the
  choices of the models), so a new muscle or movement appears in the code system by itself.

``coding_problems`` walks any resource and names every coding whose code is not in its
system's list: the tests run it on every resource the server returns, and the importer on
every coding it reads.

Size: mostly code tables (external codes with their sources, local code systems); the
code is their lookup and validation.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from imsclinic.accounts.models import NeedlingAuthorization, Role
from imsclinic.anatomy import CHART_REGIONS, get_catalog
from imsclinic.charting.vocabulary import (
    ADVERSE_EVENT_KIND,
    ROM_PHASE,
    SENSATION,
    SEVERITY,
    SIGN_KIND,
    TWITCH,
)
from imsclinic.measures import MEASURES
from imsclinic.rules.needling import LYMPHEDEMA_SITES
from imsclinic.rules.ranges import MOVEMENTS

# Canonical URLs identify our definitions; every server also serves them at
# /fhir/R4/CodeSystem/<id> and /fhir/R4/StructureDefinition/<id> (docs/fhir.md).
CANONICAL = "https://imsclinic.org/fhir"

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10_WHO = "http://hl7.org/fhir/sid/icd-10"
ICD10_CA = "http://hl7.org/fhir/sid/icd-10-ca"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_SYSTEMS = (ICD10_CA, ICD10_CM, ICD10_WHO)
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
V3_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
AUDIT_EVENT_TYPE = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_ACTION = "http://hl7.org/fhir/audit-event-action"
AUDIT_REST = "http://hl7.org/fhir/restful-interaction"
ISSUE_TYPE = "http://hl7.org/fhir/issue-type"
GROUP_CHARACTERISTIC = f"{CANONICAL}/CodeSystem/ims-group-characteristic"

# The health number's identifier system is the deployment's jurisdiction (a provincial
# naming system); see settings.IMSCLINIC_FHIR_HEALTH_NUMBER_SYSTEM and docs/fhir.md.
DEFAULT_HEALTH_NUMBER_SYSTEM = f"{CANONICAL}/NamingSystem/health-number"
REGISTRATION_SYSTEM = f"{CANONICAL}/NamingSystem/practitioner-registration"
CLINIC_SYSTEM = f"{CANONICAL}/NamingSystem/clinic"
CONSENT_TEXT_POLICY = f"{CANONICAL}/consent-text"


def local(system_id: str) -> str:
    return f"{CANONICAL}/CodeSystem/{system_id}"


def extension_url(name: str) -> str:
    return f"{CANONICAL}/StructureDefinition/{name}"


# External codes, each with its source. ---------------------------------------------------

# Laterality qualifiers [FHIR-LAT]: HL7 FHIR Extensions Pack, ValueSet structure-laterality-vs
# (http://hl7.org/fhir/ValueSet/structure-laterality-vs), also mCODE LateralityQualifierVS.
LATERALITY: dict[str, tuple[str, str]] = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}

# Muscles with an exactly equivalent SNOMED CT body structure [DICOM-6116]: DICOM PS3.16,
# CID 6116 "Muscular Anatomy" (OID 1.2.840.10008.6.1.436, version 20170914). Only muscles
# that are the whole named muscle: a head, a group or a region (pectoralis major heads,
# "lumbar paraspinals") keeps its local code alone, since a broader code would overstate
# what was needled.
MUSCLE_SNOMED: dict[str, tuple[str, str]] = {
    "sternocleidomastoid": ("22823000", "Sternocleidomastoid muscle"),
    "anterior_scalene": ("50755001", "Scalenus anterior muscle"),
    "trapezius": ("31764008", "Trapezius muscle"),
    "serratus_anterior": ("18346003", "Serratus anterior muscle"),
    "supraspinatus": ("6423006", "Supraspinatus muscle"),
    "infraspinatus": ("72573008", "Infraspinatus muscle"),
    "teres_minor": ("51159009", "Teres minor muscle"),
    "teres_major": ("1193009", "Teres major muscle"),
    "subscapularis": ("90588001", "Subscapularis muscle"),
    "deltoid": ("35259002", "Deltoid muscle"),
    "pectoralis_minor": ("18686000", "Pectoralis minor muscle"),
    "latissimus_dorsi": ("15665001", "Latissimus dorsi muscle"),
}

# LOINC 72514-3 [LOINC-72514-3]: pain severity 0-10 numeric rating.
NPRS_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
# LOINC 59284-0 "Patient Consent" [FHIR-CONSENT]: the category of the FHIR R4 Consent examples.
CONSENT_LOINC = ("59284-0", "Patient Consent")

UCUM_UNITS = {"deg", "mm", "{score}", "%"}
ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"

SNOMED_CODES = {code for code, _ in (*LATERALITY.values(), *MUSCLE_SNOMED.values())}
LOINC_CODES = {NPRS_LOINC[0], CONSENT_LOINC[0]}

# HL7 terminology codes we emit (each from the R4 code system named by the constant).
HL7_CODES: dict[str, set[str]] = {
    V2_0203: {"JHN", "LN"},
    V3_ACT_CODE: {"AMB"},
    ORGANIZATION_TYPE: {"prov"},
    V3_PARTICIPATION: {"PPRF"},
    V3_DATA_OPERATION: {"UPDATE", "CREATE"},
    OBSERVATION_CATEGORY: {"survey", "exam"},
    CONDITION_CLINICAL: {"active"},
    CONDITION_CATEGORY: {"encounter-diagnosis"},
    CONSENT_SCOPE: {"treatment"},
    ADVERSE_EVENT_SEVERITY: {"mild", "moderate", "severe"},
    SIGNATURE_TYPE: {"1.2.840.10065.1.12.1.1"},
    PROVENANCE_AGENT_TYPE: {"author", "verifier"},
    AUDIT_EVENT_TYPE: {"110110", "110114", "110106"},
    AUDIT_EVENT_ACTION: {"C", "R", "U", "D", "E"},
    AUDIT_REST: {"read", "create", "update"},
}

# Our severity scale [PA-AE-FAQ] onto the required R4 AdverseEvent.severity codes: the local
# code travels beside it, so nothing of the original grading is lost.
ADVERSE_SEVERITY_HL7 = {"mild": "mild", "significant": "moderate", "serious": "severe"}

_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")


def icd10_problem(code: str) -> str | None:
    if _ICD10.match(code or ""):
        return None
    return f"'{code}' is not an ICD-10 code (a letter, two digits, optional '.' and 1-4 more, e.g. M54.5)."


# Local code systems ---------------------------------------------------------------------


@dataclass(frozen=True)
class Concept:
    code: str
    display: str
    definition: str = ""


@dataclass(frozen=True)
class LocalCodeSystem:
    id: str
    title: str
    description: str
    concepts: tuple[Concept, ...]
    version: str = "1.0.0"

    @property
    def url(self) -> str:
        return local(self.id)

    @functools.cached_property
    def codes(self) -> dict[str, Concept]:
        return {concept.code: concept for concept in self.concepts}

    def coding(self, code: str) -> dict[str, str]:
        return {"system": self.url, "code": code, "display": self.codes[code].display}


def _muscles() -> LocalCodeSystem:
    catalog = get_catalog()

    def definition(muscle: Any) -> str:
        roots = "-".join(muscle.root_levels) or "no spinal root"
        check = "" if muscle.verified else "; innervation not yet checked against the source"
        return f"{muscle.nerve}; roots {roots} [{muscle.source}{check}]"

    return LocalCodeSystem(
        id="ims-muscle",
        title="IMS Clinic muscles and needling sites",
        description=(
            "The muscles and paraspinal sites of the IMS Clinic anatomy catalog (one code per "
            "catalog id). Used where SNOMED CT has no exactly equivalent body structure, and "
            "beside the SNOMED CT code where it has one."
        ),
        version=catalog.versions.get("muscles.json", "1.0.0"),
        concepts=tuple(Concept(m.id, m.name, definition(m)) for m in catalog.muscles),
    )


def _choices(system_id: str, title: str, description: str, choices: Any) -> LocalCodeSystem:
    return LocalCodeSystem(
        id=system_id,
        title=title,
        description=description,
        concepts=tuple(Concept(str(value), str(label)) for value, label in choices),
    )


def _precautions() -> LocalCodeSystem:
    from imsclinic.rules.needling import OTHER_WARNINGS
    from imsclinic.rules.precautions import PRECAUTIONS

    fields = [
        (p.code, f"{p.label} (absolute)" if p.kind == "absolute" else p.label) for p in PRECAUTIONS
    ]
    return _choices(
        "ims-needling-precaution",
        "Needling precautions",
        "Patient conditions and site warnings the needling safety rules read (relative "
        "contraindications and site warnings need acknowledging, absolute ones block needling).",
        fields + list(OTHER_WARNINGS.items()),
    )


@functools.cache
def code_systems() -> dict[str, LocalCodeSystem]:
    systems = [
        _muscles(),
        _precautions(),
        _choices(
            "ims-lymphedema-site",
            "Lymphedematous limbs",
            "Limbs with lymphedema, where needling is contraindicated.",
            LYMPHEDEMA_SITES.items(),
        ),
        _choices(
            "ims-body-region",
            "Body-chart regions",
            "The regions of the IMS Clinic body chart (anatomy/chart.py).",
            CHART_REGIONS.items(),
        ),
        _choices(
            "ims-neuropathy-sign",
            "Signs of neuropathy [GunnSigns]",
            "Gunn's autonomic and trophic signs of neuropathy, observed in a body-chart region.",
            SIGN_KIND.choices,
        ),
        _choices(
            "ims-muscle-finding",
            "Examination findings",
            "What the practitioner found on examining a muscle, and a marked painful region.",
            [
                ("taut_band", "Taut band"),
                ("tender_motor_point", "Tender motor point"),
                ("shortened", "Shortened"),
                ("local_twitch", "Local twitch response"),
                ("normal", "Normal"),
                ("pain-location", "Pain"),
            ],
        ),
        _choices(
            "ims-twitch",
            "Twitch response to needling",
            "The local twitch response seen or felt at an insertion.",
            TWITCH.choices,
        ),
        _choices(
            "ims-sensation",
            "Sensation reported at an insertion",
            "What the patient reported feeling at an insertion.",
            SENSATION.choices,
        ),
        _choices(
            "ims-needling-phase",
            "When a measurement was taken",
            "Baseline (at the assessment), before or after the needling of a session.",
            ROM_PHASE.choices,
        ),
        _choices(
            "ims-rom-movement",
            "Range-of-motion movements",
            "Movements whose range is measured in degrees (rules/ranges.py).",
            [(m.id, m.label) for m in MOVEMENTS.values()],
        ),
        _choices(
            "ims-measure",
            "Outcome measures",
            "Totals of the outcome questionnaires IMS Clinic scores (imsclinic.measures).",
            [(code, measure.name) for code, measure in MEASURES.items()],
        ),
        _choices(
            "ims-adverse-event",
            "Adverse events of needling",
            "Kinds of adverse event recorded after a session.",
            ADVERSE_EVENT_KIND.choices,
        ),
        _choices(
            "ims-adverse-severity",
            "Adverse-event severity [PA-AE-FAQ]",
            "mild: short and reversible; significant: needs care or limits activity; serious: "
            "hospital or lasting harm.",
            SEVERITY.choices,
        ),
        _choices(
            "ims-staff-role",
            "Clinic staff roles",
            "What a member of staff may do in IMS Clinic (core/permissions.py).",
            Role.choices,
        ),
        _choices(
            "ims-authorization",
            "Needling authorizations",
            "Credentials a practitioner needs, both current, to needle.",
            NeedlingAuthorization.Kind.choices,
        ),
        _choices(
            "ims-procedure",
            "IMS procedures",
            "No SNOMED CT concept for dry needling / IMS could be verified [DICOM-6116].",
            [("ims-needling", "Intramuscular stimulation (Gunn IMS) needling")],
        ),
        _choices(
            "ims-encounter-type",
            "IMS encounters",
            "The visits IMS Clinic charts.",
            [("assessment", "IMS assessment"), ("treatment-session", "IMS treatment session")],
        ),
        _choices(
            "ims-group-characteristic",
            "Group membership rules",
            "How the server's computed groups choose their patients.",
            [
                ("clinic-patient", "Every patient of the clinic"),
                ("episode-practitioner", "Patients with an episode of care led by"),
            ],
        ),
        _choices(
            "ims-audit-action",
            "Audit actions",
            "The actions the IMS Clinic audit trail records (core/models.AuditEvent).",
            [(value, value) for value in _audit_actions()],
        ),
    ]
    return {system.id: system for system in systems}


def _audit_actions() -> list[str]:
    from imsclinic.core.models import AuditEvent

    return list(AuditEvent.Action.values)


def system(system_id: str) -> LocalCodeSystem:
    return code_systems()[system_id]


def code_system_resource(cs: LocalCodeSystem) -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": cs.id,
        "url": cs.url,
        "version": cs.version,
        "name": "".join(part.title() for part in cs.id.split("-")),
        "title": cs.title,
        "status": "active",
        "experimental": False,
        "publisher": "IMS Clinic",
        "description": cs.description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(cs.concepts),
        "concept": [
            {
                "code": c.code,
                "display": c.display,
                **({"definition": c.definition} if c.definition else {}),
            }
            for c in cs.concepts
        ],
    }


# Building blocks ------------------------------------------------------------------------


def laterality(side: str) -> dict[str, Any]:
    code, display = LATERALITY[side]
    return {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": display}


def side_from_laterality(concept: dict[str, Any] | None) -> str | None:
    for coding in (concept or {}).get("coding", []):
        if coding.get("system") == SNOMED:
            for side, (code, _) in LATERALITY.items():
                if coding.get("code") == code:
                    return side
    return None


def muscle_concept(muscle_id: str) -> dict[str, Any]:
    codings = []
    if muscle_id in MUSCLE_SNOMED:
        code, display = MUSCLE_SNOMED[muscle_id]
        codings.append({"system": SNOMED, "code": code, "display": display})
    cs = system("ims-muscle")
    codings.append(cs.coding(muscle_id))
    return {"coding": codings, "text": cs.codes[muscle_id].display}


def measure_concept(measure_code: str) -> dict[str, Any]:
    codings = []
    if measure_code == "nprs":
        codings.append({"system": LOINC, "code": NPRS_LOINC[0], "display": NPRS_LOINC[1]})
    codings.append(system("ims-measure").coding(measure_code))
    return {"coding": codings, "text": MEASURES[measure_code].name}


def nprs_concept() -> dict[str, Any]:
    return {
        "coding": [{"system": LOINC, "code": NPRS_LOINC[0], "display": NPRS_LOINC[1]}],
        "text": "Pain (NPRS 0-10)",
    }


def category(system_url: str, code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": system_url, "code": code, "display": display}]}]


# Code-list validation -------------------------------------------------------------------


def _codings(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "system" in node and "code" in node and isinstance(node.get("code"), str):
            yield path, node
        for key, value in node.items():
            yield from _codings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _codings(value, f"{path}[{index}]")


def code_problem(system_url: str, code: str) -> str | None:
    """Why ``code`` is not a code we accept in ``system_url`` (None if it is)."""
    if system_url.startswith(f"{CANONICAL}/CodeSystem/"):
        system_id = system_url.rsplit("/", 1)[1]
        cs = code_systems().get(system_id)
        if cs is None:
            return f"Unknown local code system '{system_url}'."
        if code not in cs.codes:
            return f"'{code}' is not a code of {cs.title} ({system_url})."
        return None
    if system_url == SNOMED:
        return (
            None if code in SNOMED_CODES else f"SNOMED CT code '{code}' is not on our vetted list."
        )
    if system_url == LOINC:
        return None if code in LOINC_CODES else f"LOINC code '{code}' is not on our vetted list."
    if system_url in ICD10_SYSTEMS:
        return icd10_problem(code)
    if system_url == UCUM:
        return None if code in UCUM_UNITS else f"UCUM unit '{code}' is not one we use."
    if system_url in HL7_CODES:
        return (
            None
            if code in HL7_CODES[system_url]
            else f"'{code}' is not a code we use in {system_url}."
        )
    return f"Code system '{system_url}' is not one this server uses."


def coding_problems(resource: dict[str, Any]) -> list[str]:
    """Every coding of ``resource`` (at any depth) whose code is not on its system's list."""
    problems = []
    for path, coding in _codings(resource, ""):
        problem = code_problem(str(coding["system"]), coding["code"])
        if problem:
            problems.append(f"{resource.get('resourceType', '?')}.{path}: {problem}")
    return problems

"""The resource types this server implements: their sources, who may read them and the
search parameters each supports. The CapabilityStatement is generated from this table, so
it lists exactly what is implemented."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.db.models import Q

from imsclinic.core.permissions import ADMINS, CLINICAL, STAFF
from imsclinic.fhir import codes
from imsclinic.fhir.search import (
    Param,
    code_param,
    date_param,
    field_param,
    id_param,
    last_updated_param,
    patient_param,
    token,
)
from imsclinic.fhir.sources import Source
from imsclinic.fhir.translators import (
    adverse_event,
    audit_event,
    clinical_impression,
    condition,
    consent,
    encounter,
    episode_of_care,
    group,
    observation,
    organization,
    patient,
    practitioner,
    practitioner_role,
    procedure,
    provenance,
    questionnaire_response,
)


@dataclass(frozen=True)
class ResourceType:
    name: str
    sources: tuple[Source, ...]
    roles: frozenset[str]
    params: tuple[Param, ...] = ()
    # _include values supported, e.g. ("Observation:patient",)
    includes: tuple[str, ...] = ()
    documentation: str = ""
    in_compartment: bool = field(default=False)

    @functools.cached_property
    def params_by_name(self) -> dict[str, Param]:
        common = [id_param()]
        if any(s.updated for s in self.sources):
            common.append(last_updated_param())
        return {p.name: p for p in (*common, *self.params)}

    def source_for(self, resource_id: str) -> tuple[Source, int] | None:
        for source in self.sources:
            pk = source.pk_of(resource_id)
            if pk is not None:
                return source, pk
        return None


def _identifier(value: str) -> Q:
    system, code = token(value)
    return Q(health_number=code) if system in (None, "", _hn_system()) else Q(pk__in=[])


def _hn_system() -> str:
    from django.conf import settings

    return getattr(
        settings, "IMSCLINIC_FHIR_HEALTH_NUMBER_SYSTEM", codes.DEFAULT_HEALTH_NUMBER_SYSTEM
    )


def _registration(value: str) -> Q:
    system, code = token(value)
    return (
        Q(registration_number=code)
        if system in (None, "", codes.REGISTRATION_SYSTEM)
        else Q(pk__in=[])
    )


def _practitioner_ref(value: str) -> Q:
    from imsclinic.fhir.search import reference_id

    return Q(pk=reference_id("practitioner", value, "Practitioner"))


def _clinical(
    name: str,
    sources: tuple[Source, ...],
    date_name: str | None = "date",
    code: Param | None = None,
    patient_params: tuple[str, ...] = ("patient", "subject"),
    roles: frozenset[str] = CLINICAL,
    documentation: str = "",
) -> ResourceType:
    params: list[Param] = [patient_param(p) for p in patient_params]
    if date_name:
        params.append(
            date_param(
                date_name, f"{name} date, with prefixes (eq, ne, gt, lt, ge, le, sa, eb, ap)."
            )
        )
    if code is not None:
        params.append(code)
    includes = tuple(
        f"{name}:{p.name}"
        for p in params
        if p.type == "reference" and p.name in ("patient", "subject")
    )
    return ResourceType(
        name,
        sources,
        roles,
        tuple(params),
        includes,
        documentation,
        in_compartment=True,
    )


@functools.cache
def resource_types() -> dict[str, ResourceType]:
    types = [
        ResourceType(
            "Patient",
            (patient.SOURCE,),
            STAFF,
            (
                field_param(
                    "identifier",
                    "token",
                    "Health number ([system]|value).",
                    _identifier,
                ),
                field_param(
                    "name",
                    "string",
                    "Family or given name starts with (any case).",
                    patient.name_matches,
                ),
                date_param("birthdate", "Date of birth, with prefixes."),
            ),
            documentation="Demographics and needling precautions. An archived patient reads as 410 Gone.",
            in_compartment=True,
        ),
        ResourceType(
            "Practitioner",
            (practitioner.SOURCE,),
            STAFF,
            (
                field_param(
                    "name", "string", "First or last name starts with.", practitioner.name_matches
                ),
                field_param("identifier", "token", "Registration number.", _registration),
            ),
            documentation="Staff of the clinic, with their needling authorizations as qualifications.",
        ),
        ResourceType(
            "PractitionerRole",
            (practitioner_role.SOURCE,),
            STAFF,
            (field_param("practitioner", "reference", "Practitioner/<id>.", _practitioner_ref),),
        ),
        ResourceType("Organization", (organization.SOURCE,), STAFF, documentation="The clinic."),
        ResourceType(
            "Group",
            group.SOURCES,
            ADMINS,
            documentation="Computed groups for bulk export: Group/clinic-<id>, Group/practitioner-<id>.",
        ),
        _clinical("EpisodeOfCare", (episode_of_care.SOURCE,), patient_params=("patient",)),
        _clinical(
            "Condition",
            (condition.SOURCE,),
            date_name="recorded-date",
            code=code_param("code", documentation="ICD-10-CA/-CM code ([system]|code)."),
        ),
        _clinical(
            "Encounter",
            encounter.SOURCES,
            code=code_param("type", documentation="assessment or treatment-session."),
        ),
        _clinical("Procedure", (procedure.SOURCE,), code=code_param("code")),
        _clinical(
            "ClinicalImpression",
            (clinical_impression.SOURCE,),
            documentation="An assessment: history, examination findings, notes.",
        ),
        _clinical(
            "Observation",
            observation.SOURCES,
            code=code_param(
                "code", documentation="LOINC 72514-3 (NPRS), ims-rom-movement or ims-measure codes."
            ),
        ),
        _clinical(
            "QuestionnaireResponse",
            (questionnaire_response.SOURCE,),
            date_name="authored",
            code=code_param(
                "questionnaire", "reference", "Questionnaire canonical URL or measure code."
            ),
        ),
        _clinical("Consent", (consent.SOURCE,), patient_params=("patient",)),
        _clinical("AdverseEvent", (adverse_event.SOURCE,), patient_params=("subject",)),
        _clinical(
            "Provenance", provenance.SOURCES, date_name="recorded", patient_params=("patient",)
        ),
        _clinical(
            "AuditEvent",
            (audit_event.SOURCE,),
            patient_params=("patient",),
            roles=ADMINS,
            documentation="The clinic's audit trail (clinic admins only).",
        ),
    ]
    return {t.name: t for t in types}


# Conformance resources served from code, open to anyone (no patient data).
STATIC_TYPES = ("CodeSystem", "StructureDefinition", "Questionnaire")

"""FHIR reads: read, search, $everything and the conformance resources.

Every function takes the Actor: the clinic scopes every query (another clinic's resource is
404, like a missing one), the role decides which resource types it may read (403 before any
row is read), and every read of patient data is audited in the same request, one event per
patient whose data was returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import NotFound
from imsclinic.core.permissions import require_role
from imsclinic.fhir import codes, extensions
from imsclinic.fhir.outcome import FhirError, Gone
from imsclinic.fhir.registry import STATIC_TYPES, ResourceType, resource_types
from imsclinic.fhir.search import SearchError, split_values
from imsclinic.fhir.sources import Resource, Row, Source, build_rows
from imsclinic.fhir.translators import questionnaire
from imsclinic.fhir.translators.common import Context
from imsclinic.patients.models import Patient

MAX_COUNT = 500
DEFAULT_COUNT = 50
# Parameters the server reads itself (paging, includes, format); others are search filters.
CONTROL = ("_count", "_offset", "_include", "_format")


def resource_type(actor: Actor | None, name: str) -> ResourceType:
    types = resource_types()
    if name not in types:
        raise FhirError.one(404, "not-supported", f"This server does not serve {name} resources.")
    rt = types[name]
    if actor is not None:
        require_role(actor, rt.roles, _role_message(rt))
    return rt


def _role_message(rt: ResourceType) -> str:
    if "front_desk" not in rt.roles and "practitioner" in rt.roles:
        return f"{rt.name} resources hold clinical content: practitioners and clinic admins only."
    if "practitioner" not in rt.roles:
        return f"{rt.name} resources are open to clinic admins only."
    return "Your role does not allow this."


def _values(source: Source, queryset: QuerySet[Any]) -> list[Row]:
    extra: dict[str, Any] = {}
    if source.patient:
        extra["_patient"] = F(source.patient)
    if source.patient_archived:
        extra["_archived"] = F(source.patient_archived)
    return list(queryset.values(*source.fields, **extra))


def _audit(actor: Actor, patient_ids: Iterable[int | None], detail: str, object_type: str) -> None:
    ids: list[int | None] = [*sorted({p for p in patient_ids if p is not None})]
    for patient_id in ids or [None]:
        audit_record(
            actor=actor,
            action="view",
            patient_id=patient_id,
            object_type=object_type,
            detail=detail[:500],
        )


# Read -----------------------------------------------------------------------------------


def read(*, actor: Actor, type_name: str, resource_id: str) -> Resource:
    rt = resource_type(actor, type_name)
    found = rt.source_for(resource_id)
    if found is None:
        raise NotFound(f"{type_name}/{resource_id} not found.")
    source, pk = found
    rows = _values(source, source.rows(actor.clinic.pk).filter(pk=pk))
    if not rows:
        raise NotFound(f"{type_name}/{resource_id} not found.")
    row = rows[0]
    if row.get("_archived") is not None:
        raise Gone(
            f"{type_name}/{resource_id} belongs to a deleted (archived) patient record. "
            "A clinic admin can restore the record in IMS Clinic."
        )
    resource = build_rows(source, rows, Context.for_clinic(actor.clinic.pk))[0]
    _audit(
        actor, [row.get("_patient")], f"FHIR read {type_name}/{resource_id}", f"FHIR {type_name}"
    )
    return resource


# Search ---------------------------------------------------------------------------------


@dataclass
class Page:
    resources: list[Resource]
    included: list[Resource]
    total: int
    offset: int
    count: int
    # The parameters the search applied (for the Bundle's self and paging links).
    applied: list[tuple[str, str]] = field(default_factory=list)


def _int(name: str, text: str, low: int, high: int | None = None) -> int:
    if not text.isdigit() or len(text) > 9:
        raise SearchError(
            name, f"{name} is a whole number{f' from {low} to {high}' if high else ''}."
        )
    value = int(text)
    if value < low or (high is not None and value > high):
        raise SearchError(name, f"{name} must be from {low} to {high}.")
    return value


def _filters(
    rt: ResourceType, params: Sequence[tuple[str, str]], strict: bool
) -> tuple[list[tuple[Source, Any]], list[tuple[str, str]]]:
    """Per source: its filter (Q), or no entry when no row of it can match."""
    applied: list[tuple[str, str]] = []
    parsed: list[tuple[str, str, list[str]]] = []
    for raw_name, value in params:
        if raw_name in CONTROL or value == "":
            continue
        name, _, modifier = raw_name.partition(":")
        param = rt.params_by_name.get(name)
        if param is None:
            if strict:
                raise SearchError(raw_name, f"{rt.name} has no search parameter '{name}'.")
            continue  # FHIR: unknown parameters are ignored unless handling=strict
        if modifier and modifier not in param.modifiers:
            raise SearchError(raw_name, f"The modifier ':{modifier}' is not supported on {name}.")
        parsed.append((name, modifier, split_values(value)))
        applied.append((raw_name, value))
    chosen: list[tuple[Source, Any]] = []
    for source in rt.sources:
        query: Any = True
        for name, modifier, values in parsed:
            match = rt.params_by_name[name].apply(source, values, modifier)
            if match is False:
                break
            if match is not True:
                query = match if query is True else query & match
        else:
            chosen.append((source, query))
    return chosen, applied


def search(
    *,
    actor: Actor,
    type_name: str,
    params: Sequence[tuple[str, str]],
    strict: bool = False,
) -> Page:
    rt = resource_type(actor, type_name)
    values = dict(params)
    count = _int("_count", values["_count"], 0, MAX_COUNT) if "_count" in values else DEFAULT_COUNT
    offset = _int("_offset", values["_offset"], 0) if "_offset" in values else 0
    includes = [v for name, v in params if name == "_include" and v]
    for include in includes:
        if include not in rt.includes:
            supported = ", ".join(rt.includes) or "none"
            raise SearchError(
                "_include", f"_include={include} is not supported here (supported: {supported})."
            )
    chosen, applied = _filters(rt, params, strict)
    clinic_id = actor.clinic.pk
    narrow = any(name.partition(":")[0] in ("patient", "subject", "_id") for name, _ in applied)
    archived = [] if narrow else _archived_ids(clinic_id)
    querysets = []
    for source, query in chosen:
        queryset = source.rows(clinic_id)
        if query is not True:
            queryset = queryset.filter(query)
        if narrow and source.patient_archived:
            queryset = queryset.filter(**{f"{source.patient_archived}__isnull": True})
        elif archived and source.patient_archived and source.patient:
            # Across the clinic, the few archived patients as a literal list rather than a
            # join with every patient: counting a million sessions stays one index scan.
            queryset = queryset.exclude(**{f"{source.patient}__in": archived})
        querysets.append((source, queryset.order_by("pk")))
    sizes = [queryset.count() for _, queryset in querysets]
    total = sum(sizes)
    resources: list[Resource] = []
    patient_ids: list[int | None] = []
    ctx = Context.for_clinic(clinic_id)
    skip, room = offset, count
    for (source, queryset), size in zip(querysets, sizes, strict=True):
        if room <= 0:
            break
        if skip >= size:
            skip -= size
            continue
        rows = _values(source, queryset[skip : skip + room])
        skip = 0
        room -= len(rows)
        resources += build_rows(source, rows, ctx)
        patient_ids += [row.get("_patient") for row in rows]
    included: list[Resource] = []
    if includes and patient_ids:
        included = _patients(actor, {p for p in patient_ids if p is not None})
    query_text = "&".join(f"{k}={v}" for k, v in applied)
    _audit(
        actor,
        patient_ids,
        f"FHIR search {type_name}?{query_text} ({len(resources)} of {total})",
        f"FHIR {type_name}",
    )
    return Page(resources, included, total, offset, count, applied)


def _archived_ids(clinic_id: int) -> list[int]:
    return list(
        Patient.objects.filter(clinic_id=clinic_id, archived_at__isnull=False).values_list(
            "id", flat=True
        )
    )


def _patients(actor: Actor, ids: set[int]) -> list[Resource]:
    from imsclinic.fhir.translators import patient

    source = patient.SOURCE
    queryset = (
        source.rows(actor.clinic.pk).filter(pk__in=ids, archived_at__isnull=True).order_by("pk")
    )
    return build_rows(source, _values(source, queryset), Context.for_clinic(actor.clinic.pk))


# $everything ----------------------------------------------------------------------------


def everything(
    *,
    actor: Actor,
    patient_id: str,
    since: dt.datetime | None = None,
    types: Sequence[str] = (),
) -> list[Resource]:
    """Every resource of the patient's compartment the actor's role may read, then the
    practitioners and the organization they refer to (Patient $everything)."""
    from imsclinic.core.permissions import has_role
    from imsclinic.fhir.translators import patient

    resource_type(actor, "Patient")
    pk = patient.SOURCE.pk_of(patient_id)
    rows = (
        _values(patient.SOURCE, patient.SOURCE.rows(actor.clinic.pk).filter(pk=pk))
        if pk is not None
        else []
    )
    if not rows:
        raise NotFound(f"Patient/{patient_id} not found.")
    if rows[0]["archived_at"] is not None:
        raise Gone(f"Patient/{patient_id} is a deleted (archived) record.")
    wanted = set(types)
    ctx = Context.for_clinic(actor.clinic.pk)
    resources: list[Resource] = []
    for rt in resource_types().values():
        if not rt.in_compartment or not has_role(actor.role, rt.roles):
            continue
        if wanted and rt.name not in wanted:
            continue
        for source in rt.sources:
            queryset = source.rows(actor.clinic.pk).filter(**{str(source.patient): pk})
            if since is not None and source.updated:
                queryset = queryset.filter(**{f"{source.updated}__gt": since})
            resources += build_rows(source, _values(source, queryset.order_by("pk")), ctx)
    resources += _referenced(actor, resources, wanted)
    _audit(
        actor,
        [pk],
        f"FHIR Patient/{patient_id}/$everything ({len(resources)} resources)",
        "FHIR Patient",
    )
    return resources


def _referenced(actor: Actor, resources: list[Resource], wanted: set[str]) -> list[Resource]:
    from imsclinic.fhir.translators import organization, practitioner

    practitioner_ids: set[int] = set()
    for reference in _references(resources):
        kind, _, ident = reference.partition("/")
        if kind == "Practitioner" and ident.isdigit():
            practitioner_ids.add(int(ident))
    found: list[Resource] = []
    ctx = Context.for_clinic(actor.clinic.pk)
    if practitioner_ids and (not wanted or "Practitioner" in wanted):
        source = practitioner.SOURCE
        rows = _values(
            source, source.rows(actor.clinic.pk).filter(pk__in=practitioner_ids).order_by("pk")
        )
        found += build_rows(source, rows, ctx)
    if not wanted or "Organization" in wanted:
        source = organization.SOURCE
        found += build_rows(source, _values(source, source.rows(actor.clinic.pk)), ctx)
    return found


def _references(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


# Conformance resources (no patient data, no token needed) -------------------------------


def static_resources(type_name: str) -> tuple[Resource, ...]:
    if type_name == "CodeSystem":
        return tuple(codes.code_system_resource(cs) for cs in codes.code_systems().values())
    if type_name == "StructureDefinition":
        return extensions.all_structure_definitions()
    if type_name == "Questionnaire":
        return questionnaire.all_questionnaires()
    raise FhirError.one(404, "not-supported", f"This server does not serve {type_name} resources.")


def static_read(type_name: str, resource_id: str) -> Resource:
    for resource in static_resources(type_name):
        if resource["id"] == resource_id:
            return resource
    raise NotFound(f"{type_name}/{resource_id} not found.")


def static_search(type_name: str, params: Sequence[tuple[str, str]]) -> list[Resource]:
    found = list(static_resources(type_name))
    for name, value in params:
        if name == "_id" and value:
            wanted = set(split_values(value))
            found = [r for r in found if r["id"] in wanted]
        elif name == "url" and value:
            wanted = {v.split("|", 1)[0] for v in split_values(value)}
            found = [r for r in found if r.get("url") in wanted]
    return found


def is_static(type_name: str) -> bool:
    return type_name in STATIC_TYPES

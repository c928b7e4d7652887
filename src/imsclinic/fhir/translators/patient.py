"""Patient <-> patients.Patient (demographics, needling precautions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from imsclinic.fhir import codes
from imsclinic.fhir.importing import Entry, Problems
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, drop_empty, extension, meta, organization
from imsclinic.patients.models import Patient
from imsclinic.patients.schemas import PatientIn

# Precautions are the boolean fields of PatientIn: a new one is mapped (and listed in the
# ims-needling-precaution code system, from the form's labels) without touching this file.
PRECAUTIONS = tuple(
    name for name, field in PatientIn.model_fields.items() if field.annotation in (bool, "bool")
)

FIELDS = (
    "id",
    "updated_at",
    "archived_at",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "health_number",
    "phone",
    "email",
    "address",
    "medications",
    "precaution_notes",
    "lymphedema_sites",
    *PRECAUTIONS,
)


def to_fhir(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    extensions = [
        extension(
            "needling-precaution",
            "valueCoding",
            codes.system("ims-needling-precaution").coding(name),
        )
        for name in PRECAUTIONS
        if row[name]
    ]
    extensions += [
        extension(
            "lymphedema-site", "valueCoding", codes.system("ims-lymphedema-site").coding(site)
        )
        for site in row["lymphedema_sites"] or []
    ]
    if row["medications"]:
        extensions.append(extension("medications-note", "valueString", row["medications"]))
    if row["precaution_notes"]:
        extensions.append(extension("precaution-note", "valueString", row["precaution_notes"]))
    identifiers = []
    if row["health_number"]:
        identifiers.append(
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": codes.V2_0203,
                            "code": "JHN",
                            "display": "Jurisdictional health number (Canada)",
                        }
                    ],
                    "text": "Health number",
                },
                "system": ctx.health_number_system,
                "value": row["health_number"],
            }
        )
    telecom = []
    if row["phone"]:
        telecom.append({"system": "phone", "value": row["phone"]})
    if row["email"]:
        telecom.append({"system": "email", "value": row["email"]})
    return drop_empty(
        {
            "resourceType": "Patient",
            "id": str(row["id"]),
            **meta(row["updated_at"]),
            "extension": extensions,
            "identifier": identifiers,
            "active": row["archived_at"] is None,
            "name": [
                {"use": "official", "family": row["family_name"], "given": [row["given_name"]]}
            ],
            "telecom": telecom,
            "gender": row["sex"],
            "birthDate": row["date_of_birth"].isoformat(),
            "address": [{"text": row["address"]}] if row["address"] else [],
            "managingOrganization": organization(ctx),
        }
    )


SOURCE = Source(
    resource_type="Patient",
    model=Patient,
    fields=FIELDS,
    build=to_fhir,
    patient="id",
    date="date_of_birth",
)


def name_matches(text: str) -> Q:
    """FHIR string search: any part of the name starts with ``text`` (case-insensitive),
    through the indexed lower-cased name columns (patients/selectors.py)."""
    from imsclinic.patients.selectors import _prefix

    lowered = " ".join(text.lower().replace(",", " ").split())
    return _prefix("search_name", lowered) | _prefix("search_name_reversed", lowered)


# Import ---------------------------------------------------------------------------------

FIELD_PATHS = {
    "family_name": "Patient.name[0].family",
    "given_name": "Patient.name[0].given[0]",
    "date_of_birth": "Patient.birthDate",
    "sex": "Patient.gender",
    "health_number": "Patient.identifier",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
    "address": "Patient.address[0]",
    "medications": "Patient.extension",
    "precaution_notes": "Patient.extension",
    "lymphedema_sites": "Patient.extension",
    **{name: "Patient.extension" for name in PRECAUTIONS},
}


def to_input(entry: Entry, problems: Problems, ctx: Context) -> PatientIn | None:
    """The PatientIn the pages would submit for this Patient, or None (problems recorded)."""
    resource = entry.resource
    at = entry.problem_at
    values: dict[str, Any] = {}
    names = resource.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if not name or not name.get("family") or not name.get("given"):
        at(problems, "Patient.name", "required", "Give the patient's family name and a given name.")
    else:
        values["family_name"] = name["family"]
        values["given_name"] = " ".join(name["given"])
    if not resource.get("birthDate"):
        at(problems, "Patient.birthDate", "required", "Give the date of birth (YYYY-MM-DD).")
    else:
        values["date_of_birth"] = resource["birthDate"]
    if "gender" in resource:
        if resource["gender"] not in Patient.Sex.values:
            at(
                problems,
                "Patient.gender",
                "code-invalid",
                f"gender must be one of {', '.join(Patient.Sex.values)}.",
            )
        values["sex"] = resource["gender"]
    for identifier in resource.get("identifier") or []:
        kinds = {c.get("code") for c in (identifier.get("type") or {}).get("coding", [])}
        if identifier.get("system") == ctx.health_number_system or "JHN" in kinds:
            values["health_number"] = identifier.get("value", "")
            break
    for point in resource.get("telecom") or []:
        if point.get("system") in ("phone", "email") and point.get("system") not in values:
            values[str(point["system"])] = point.get("value", "")
    addresses = resource.get("address") or []
    if addresses:
        first = addresses[0]
        values["address"] = first.get("text") or ", ".join(
            [
                *first.get("line", []),
                first.get("city", ""),
                first.get("state", ""),
                first.get("postalCode", ""),
            ]
        ).strip(", ")
    lymphedema = []
    for index, ext in enumerate(resource.get("extension") or []):
        url = ext.get("url")
        path = f"Patient.extension[{index}]"
        if url == codes.extension_url("needling-precaution"):
            code = (ext.get("valueCoding") or {}).get("code", "")
            if code in PRECAUTIONS:
                values[code] = True
            else:
                at(problems, path, "code-invalid", f"Unknown needling precaution '{code}'.")
        elif url == codes.extension_url("lymphedema-site"):
            lymphedema.append((ext.get("valueCoding") or {}).get("code", ""))
        elif url == codes.extension_url("medications-note"):
            values["medications"] = ext.get("valueString", "")
        elif url == codes.extension_url("precaution-note"):
            values["precaution_notes"] = ext.get("valueString", "")
    values["lymphedema_sites"] = lymphedema
    if problems.for_entry(entry.index):
        return None
    return entry.parse(PatientIn, values, FIELD_PATHS, problems)

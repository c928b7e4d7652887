"""Group: the computed groups a bulk export can be asked for.

``Group/clinic-<id>`` is every (not archived) patient of the clinic; ``Group/practitioner-<id>``
the patients with an episode of care led by that practitioner. Membership is by rule
(``characteristic``) and the members are not listed: the group's ``$export`` gives their data.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from imsclinic.accounts.models import User
from imsclinic.charting.models import Episode
from imsclinic.core.models import Clinic
from imsclinic.core.permissions import CLINICAL
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import Context, organization, ref
from imsclinic.patients.models import Patient


def _clinic_sizes(rows: list[Row]) -> dict[int, int]:
    counts = (
        Patient.objects.filter(clinic_id__in=[r["id"] for r in rows], archived_at__isnull=True)
        .values("clinic_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {c["clinic_id"]: c["n"] for c in counts}


def _practitioner_sizes(rows: list[Row]) -> dict[int, int]:
    counts = (
        Episode.objects.filter(
            practitioner_id__in=[r["id"] for r in rows], patient__archived_at__isnull=True
        )
        .values("practitioner_id")
        .annotate(n=Count("patient_id", distinct=True))
        .order_by()
    )
    return {c["practitioner_id"]: c["n"] for c in counts}


def _group(
    group_id: str, name: str, quantity: int, rule: str, value: dict[str, str], ctx: Context
) -> dict[str, Any]:
    return {
        "resourceType": "Group",
        "id": group_id,
        "type": "person",
        "actual": True,
        "name": name,
        "quantity": quantity,
        "managingEntity": organization(ctx),
        "characteristic": [
            {
                "code": {"coding": [codes.system("ims-group-characteristic").coding(rule)]},
                "valueReference": value,
                "exclude": False,
            }
        ],
    }


def clinic_group(row: Row, extra: dict[int, int], ctx: Context) -> dict[str, Any]:
    return _group(
        f"clinic-{row['id']}",
        f"Patients of {row['name']}",
        extra.get(row["id"], 0),
        "clinic-patient",
        ref("Organization", row["id"]),
        ctx,
    )


def practitioner_group(row: Row, extra: dict[int, int], ctx: Context) -> dict[str, Any]:
    who = f"{row['first_name']} {row['last_name']}".strip() or row["username"]
    return _group(
        f"practitioner-{row['id']}",
        f"Patients of {who}",
        extra.get(row["id"], 0),
        "episode-practitioner",
        ref("Practitioner", row["id"]),
        ctx,
    )


CLINIC = Source(
    resource_type="Group",
    model=Clinic,
    fields=("id", "name"),
    build=clinic_group,
    prefix="clinic",
    children=_clinic_sizes,
    updated=None,
    clinic="id",
)
PRACTITIONER = Source(
    resource_type="Group",
    model=User,
    fields=("id", "username", "first_name", "last_name"),
    build=practitioner_group,
    prefix="practitioner",
    where=Q(role__in=sorted(CLINICAL)),
    children=_practitioner_sizes,
    updated=None,
)
SOURCES = (CLINIC, PRACTITIONER)


def member_ids(source: Source, pk: int, clinic_id: int) -> QuerySet[Any]:
    """A subquery of the group's patient ids."""
    if source is CLINIC:
        return Patient.objects.filter(clinic_id=clinic_id, archived_at__isnull=True).values("id")
    return Episode.objects.filter(
        clinic_id=clinic_id, practitioner_id=pk, patient__archived_at__isnull=True
    ).values("patient_id")

"""Where each FHIR resource comes from: a model, the rows of it that make a resource, the
fields a translator reads, and the children it needs, loaded once per batch of rows.

A resource type can come from several sources (Encounter: sessions and assessments;
Observation: pain before and after needling, range of motion, questionnaire totals, ...).
Each source has its own id prefix, so ``Observation/nprs-after-12`` names one row of one
source. Reads, searches, ``$everything`` and bulk export all fetch through ``build_rows``,
so a resource looks the same whichever way it is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from imsclinic.fhir.translators.common import Context

Row = dict[str, Any]
Resource = dict[str, Any]
# A source's code matcher: (system or None, code) -> Q on its rows, True (every row) or
# False (none of its rows can have that code).
CodeMatch = Callable[[str | None, str], "Q | bool"]


@dataclass(frozen=True)
class Source:
    resource_type: str
    model: type[Model]
    fields: tuple[str, ...]
    build: Callable[[Row, Any, Context], Resource]
    prefix: str = ""
    where: Q | None = None
    # Field paths (as in QuerySet.filter) of the patient's id, the searchable date and the
    # last change; None where the source has none.
    patient: str | None = None
    date: str | None = None
    updated: str | None = "updated_at"
    code: CodeMatch | None = None
    # Loads what the rows' resources need besides their own fields (children, names),
    # for a whole batch at once: constant queries per batch, whatever its size.
    children: Callable[[list[Row]], Any] | None = None
    clinic: str = "clinic_id"
    # Rows of an archived (deleted) patient are hidden from reads and searches (HTTP 410).
    hide_archived: bool = True

    def resource_id(self, pk: int) -> str:
        return f"{self.prefix}-{pk}" if self.prefix else str(pk)

    def pk_of(self, resource_id: str) -> int | None:
        """This source's row pk named by ``resource_id``, or None if the id is not of it."""
        text = resource_id
        if self.prefix:
            if not resource_id.startswith(self.prefix + "-"):
                return None
            text = resource_id[len(self.prefix) + 1 :]
        if not text.isdigit() or len(text) > 18 or (text != "0" and text.startswith("0")):
            return None
        return int(text)

    @property
    def patient_archived(self) -> str | None:
        """Path of the patient's ``archived_at`` (for hiding deleted patients' data)."""
        if self.patient is None or not self.hide_archived:
            return None
        if self.patient == "id":
            return "archived_at"
        return self.patient.removesuffix("_id").removesuffix("__id") + "__archived_at"

    def rows(self, clinic_id: int) -> QuerySet[Any]:
        queryset = self.model._default_manager.filter(**{self.clinic: clinic_id})
        if self.where is not None:
            queryset = queryset.filter(self.where)
        return queryset

    def date_is_datetime(self) -> bool:
        if self.date is None:
            return False
        field = _field(self.model, self.date)
        return field.get_internal_type() == "DateTimeField"


def _field(model: type[Model], path: str) -> Any:
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    return model._meta.get_field(parts[-1])


def build_rows(source: Source, rows: Sequence[Row], ctx: Context) -> list[Resource]:
    loaded = source.children(list(rows)) if source.children is not None and rows else None
    return [source.build(row, loaded, ctx) for row in rows]


def fetch(source: Source, queryset: QuerySet[Any], ctx: Context) -> list[Resource]:
    return build_rows(source, list(queryset.values(*source.fields)), ctx)


def children_by(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row if isinstance(row, dict) else dict(row))
    return grouped


def updated_since(source: Source, since: dt.datetime) -> Q | None:
    return Q(**{f"{source.updated}__gt": since}) if source.updated else None

"""Clinic scoping: the one place that turns an id from outside into a row of this clinic."""

from __future__ import annotations

import functools
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models

from imsclinic.core import rawsql
from imsclinic.core.errors import NotFound
from imsclinic.core.input_checks import is_row_id
from imsclinic.core.models import Clinic

M = TypeVar("M", bound=models.Model)


def for_clinic(queryset: models.QuerySet[M], clinic: Clinic) -> models.QuerySet[M]:
    return queryset.filter(clinic=clinic)


def _row_id(pk: object, label: str) -> int:
    try:
        pk_int = int(str(pk))
    except (TypeError, ValueError):
        raise NotFound(f"{label} {pk} not found.") from None
    if not is_row_id(pk_int):  # beyond 64 bits the driver would raise, not miss
        raise NotFound(f"{label} {pk} not found.")
    return pk_int


def get_for_clinic(queryset: models.QuerySet[M], clinic: Clinic, pk: object, label: str) -> M:
    """Another clinic's row is reported exactly like a missing one (404, never 403)."""
    pk_int = _row_id(pk, label)
    try:
        return queryset.get(clinic=clinic, pk=pk_int)
    except ObjectDoesNotExist:
        raise NotFound(f"{label} {pk} not found.") from None


@functools.cache
def _row_sql(model: type[models.Model], vendor: str) -> str:
    table, clinic, id_ = rawsql.quoted(model, "clinic", model._meta.pk.name)
    return f"SELECT {rawsql.select_list(model, 'r')} FROM {table} r WHERE r.{clinic} = %s AND r.{id_} = %s"  # noqa: S608


def row_for_clinic(model: type[M], clinic: Clinic, pk: object, label: str) -> M:
    """``get_for_clinic(model.objects.all(), ...)`` in one hand-written statement: the
    routes that resolve a patient on every request (the session write) spent more on
    building the ORM's query than on the rest of the lookup (docs/benchmarks.md)."""
    pk_int = _row_id(pk, label)
    with connection.cursor() as cursor:
        cursor.execute(_row_sql(model, connection.vendor), [clinic.pk, pk_int])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(f"{label} {pk} not found.")
    found = rawsql.load(model, row)
    return found

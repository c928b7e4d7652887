"""Clinic scoping: the one place that turns an id from outside into a row of this clinic."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from imsclinic.core.errors import NotFound
from imsclinic.core.input_checks import is_row_id
from imsclinic.core.models import Clinic

M = TypeVar("M", bound=models.Model)


def for_clinic(queryset: models.QuerySet[M], clinic: Clinic) -> models.QuerySet[M]:
    return queryset.filter(clinic=clinic)


def get_for_clinic(queryset: models.QuerySet[M], clinic: Clinic, pk: object, label: str) -> M:
    """Another clinic's row is reported exactly like a missing one (404, never 403)."""
    try:
        pk_int = int(str(pk))
    except (TypeError, ValueError):
        raise NotFound(f"{label} {pk} not found.") from None
    if not is_row_id(pk_int):  # beyond 64 bits the driver would raise, not miss
        raise NotFound(f"{label} {pk} not found.")
    try:
        return queryset.get(clinic=clinic, pk=pk_int)
    except ObjectDoesNotExist:
        raise NotFound(f"{label} {pk} not found.") from None

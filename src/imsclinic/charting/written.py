"""What a charting write returns: the note with the rows it wrote (or locked and hashed)
as its prefetched children, so a caller that shows the note (the JSON API) reads
nothing back.

Reading a session back after recording it was half of the API's session write
(docs/benchmarks.md). The children are model instances built from the values the raw
INSERTs stored and the ids they returned, as ``bulk_create`` returns them, and are held
as ``prefetch_related`` holds them: ``note.insertions.all()`` and ``.count()`` use them
without a query, ``.filter()`` still asks the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import DecimalField, Field, Model, prefetch_related_objects

from imsclinic.charting.models import Assessment, TreatmentSession
from imsclinic.charting.selectors import field_decimal

M = TypeVar("M", bound=Model)


def carry(note: Assessment | TreatmentSession, **children: Sequence[Any]) -> None:
    """Make ``children`` (relation name -> instances) the note's prefetched children."""
    cache = getattr(note, "_prefetched_objects_cache", None)
    if cache is None:
        cache = note._prefetched_objects_cache = {}  # type: ignore[union-attr]
    for relation, rows in children.items():
        cache.pop(relation, None)
        queryset = getattr(note, relation).all()  # lazy: no query
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[relation] = queryset


def _value_of(field: Field[Any, Any], given: dict[str, int]) -> Callable[..., Any]:
    """How to get ``field``'s value, as the ORM would read it back, from one written row:
    the id the INSERT returned, a given column, ``now`` for timestamps, else the default."""
    if field.primary_key:
        return lambda pk, row, now: pk
    if field.attname in given:
        index = given[field.attname]
        if isinstance(field, DecimalField):  # stored to the field's decimal places
            return lambda pk, row, now: (
                None if row[index] is None else field_decimal(row[index], field)
            )
        return lambda pk, row, now: row[index]
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda pk, row, now: now
    default = field.get_default()
    return lambda pk, row, now: default


def instances(
    model: type[M],
    names: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    ids: Sequence[int],
    now: dt.datetime,
) -> list[M]:
    """The instances of ``model`` that ``rawsql.insert_rows(model, names, rows, now,
    returning=True)`` stored, built as a query would load them (``Model.from_db``)."""
    fields = model._meta.concrete_fields
    given = {name: index for index, name in enumerate(names)}
    getters = [_value_of(f, given) for f in fields]
    attnames = [f.attname for f in fields]
    return [
        model.from_db(DEFAULT_DB_ALIAS, attnames, [get(pk, row, now) for get in getters])
        for pk, row in zip(ids, rows, strict=True)
    ]


def load_for_signing(note: Assessment | TreatmentSession, author: Any) -> None:
    """Fetch a locked note's children once, for its content hash and for the caller.
    ``author`` is the acting user, already checked to be the note's author."""
    relations = (
        ("findings", "signs", "rom")
        if isinstance(note, Assessment)
        else ("insertions", "rom", "adverse_events")
    )
    prefetch_related_objects([note], *relations, "amendments__author")
    note.practitioner = author


def add_amendment(note: Assessment | TreatmentSession, amendment: Any) -> None:
    """Append a just-written amendment to the note's prefetched amendments (newest last,
    the model's order), when the caller had them prefetched."""
    cache = getattr(note, "_prefetched_objects_cache", {})
    if "amendments" in cache:
        carry(note, amendments=[*cache["amendments"], amendment])

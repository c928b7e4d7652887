"""Questionnaire: the outcome measures IMS Clinic scores (imsclinic.measures), one per
measure, with the item structure and answer ranges. Item wording of licensed instruments is
not shipped (measures/definitions.py): items carry our short section labels instead."""

from __future__ import annotations

import functools
from typing import Any

from imsclinic.fhir import codes
from imsclinic.measures import MEASURES, Measure


def url(measure_code: str) -> str:
    return f"{codes.CANONICAL}/Questionnaire/{measure_code}"


def _range(measure: Measure) -> list[dict[str, Any]]:
    return [
        {
            "url": "http://hl7.org/fhir/StructureDefinition/minValue",
            "valueInteger": measure.item_min,
        },
        {
            "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
            "valueInteger": measure.item_max,
        },
    ]


def _items(measure: Measure) -> list[dict[str, Any]]:
    if measure.code == "psfs":
        required = measure.min_answered
        return [
            {
                "linkId": str(n),
                "text": label,
                "type": "group",
                "required": n <= required,
                "item": [
                    {
                        "linkId": f"{n}.activity",
                        "text": "Activity",
                        "type": "string",
                        "required": True,
                    },
                    {
                        "extension": _range(measure),
                        "linkId": f"{n}.rating",
                        "text": "Rating",
                        "type": "integer",
                        "required": True,
                    },
                ],
            }
            for n, label in enumerate(measure.section_labels, start=1)
        ]
    return [
        {"extension": _range(measure), "linkId": str(n), "text": label, "type": "integer"}
        for n, label in enumerate(measure.section_labels, start=1)
    ]


def to_fhir(measure: Measure) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "id": measure.code,
        "url": url(measure.code),
        "name": measure.abbreviation.replace(" ", ""),
        "title": measure.name,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "IMS Clinic",
        "description": (
            f"{measure.name}: {measure.describe_item_count()} items scored "
            f"{measure.item_min}-{measure.item_max}. Scoring: {measure.scoring_source}. "
            f"{measure.licence.note}"
        ),
        "code": [c for c in codes.measure_concept(measure.code)["coding"]],
        "item": _items(measure),
    }


@functools.cache
def all_questionnaires() -> tuple[dict[str, Any], ...]:
    return tuple(to_fhir(measure) for measure in MEASURES.values())


def measure_for(canonical: str) -> str | None:
    """The measure code a Questionnaire canonical (optionally ``|version``) names."""
    base = canonical.split("|", 1)[0]
    for code in MEASURES:
        if base == url(code):
            return code
    return None

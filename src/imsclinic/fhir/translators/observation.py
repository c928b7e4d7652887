"""Observation <-> pain (NPRS) before and after needling and at the assessment, range of
motion, and each questionnaire total (``derivedFrom`` its QuestionnaireResponse).

Ids name their source: ``nprs-before-<session>``, ``nprs-after-<session>``,
``nprs-assessment-<assessment>``, ``rom-<measure>`` (sessions), ``rom-baseline-<measure>``
(assessments), ``score-<response>``. A note's Observations are ``final`` once the note is
signed and ``preliminary`` before.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from imsclinic.charting.models import Assessment, RomMeasure, TreatmentSession
from imsclinic.fhir import codes
from imsclinic.fhir.sources import Row, Source
from imsclinic.fhir.translators.common import (
    Context,
    drop_empty,
    extension,
    instant,
    lateral_site,
    meta,
    quantity,
    ref,
)
from imsclinic.measures import MEASURES
from imsclinic.outcomes.models import QuestionnaireResponse

SURVEY = codes.category(codes.OBSERVATION_CATEGORY, "survey", "Survey")
EXAM = codes.category(codes.OBSERVATION_CATEGORY, "exam", "Exam")


def _status(signed_at: object) -> str:
    return "final" if signed_at is not None else "preliminary"


def _phase(phase: str) -> dict[str, Any]:
    return extension(
        "needling-phase", "valueCoding", codes.system("ims-needling-phase").coding(phase)
    )


def _pain(
    obs_id: str, row: Row, value: int, phase: str, encounter: str, day: str, signed: object
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": obs_id,
        **meta(row["updated_at"]),
        "extension": [_phase(phase)],
        "status": _status(signed),
        "category": SURVEY,
        "code": codes.nprs_concept(),
        "subject": ref("Patient", row["patient_id"]),
        "encounter": ref("Encounter", encounter),
        "effectiveDateTime": day,
        "performer": [ref("Practitioner", row["practitioner_id"])],
        "valueInteger": value,
    }


SESSION_FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "practitioner_id",
    "session_date",
    "pain_before",
    "pain_after",
    "signed_at",
)


def pain_before(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _pain(
        f"nprs-before-{row['id']}",
        row,
        row["pain_before"],
        "before",
        f"session-{row['id']}",
        row["session_date"].isoformat(),
        row["signed_at"],
    )


def pain_after(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _pain(
        f"nprs-after-{row['id']}",
        row,
        row["pain_after"],
        "after",
        f"session-{row['id']}",
        row["session_date"].isoformat(),
        row["signed_at"],
    )


def pain_at_assessment(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _pain(
        f"nprs-assessment-{row['id']}",
        row,
        row["pain_now"],
        "baseline",
        f"assessment-{row['id']}",
        row["assessed_on"].isoformat(),
        row["signed_at"],
    )


def _nprs_match(system: str | None, code: str) -> bool:
    return system in (None, codes.LOINC) and code == codes.NPRS_LOINC[0]


def _rom_match(system: str | None, code: str) -> Q | bool:
    if system not in (None, codes.local("ims-rom-movement")):
        return False
    return Q(movement=code)


ROM_FIELDS = ("id", "updated_at", "phase", "movement", "side", "degrees")


def _rom(row: Row, obs_id: str, owner: str, encounter: str) -> dict[str, Any]:
    movement = codes.system("ims-rom-movement").coding(row["movement"])
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": obs_id,
            **meta(row["updated_at"]),
            "extension": [_phase(row["phase"])],
            "status": _status(row[f"{owner}__signed_at"]),
            "category": EXAM,
            "code": {"coding": [movement], "text": f"{movement['display']} (range of motion)"},
            "subject": ref("Patient", row[f"{owner}__patient_id"]),
            "encounter": ref("Encounter", encounter),
            "effectiveDateTime": row[
                "session__session_date" if owner == "session" else "assessment__assessed_on"
            ].isoformat(),
            "performer": [ref("Practitioner", row[f"{owner}__practitioner_id"])],
            "valueQuantity": quantity(row["degrees"], "degrees", "deg"),
            "bodySite": lateral_site(row["side"], row["side"].title()) if row["side"] else None,
        }
    )


def rom_in_session(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _rom(row, f"rom-{row['id']}", "session", f"session-{row['session_id']}")


def rom_at_assessment(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    return _rom(
        row, f"rom-baseline-{row['id']}", "assessment", f"assessment-{row['assessment_id']}"
    )


SCORE_FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "measure_code",
    "score",
    "interpretation",
    "answered_at",
)


def questionnaire_score(row: Row, extra: Any, ctx: Context) -> dict[str, Any]:
    measure = MEASURES[row["measure_code"]]
    unit = "%" if measure.unit == "%" else "{score}"
    return drop_empty(
        {
            "resourceType": "Observation",
            "id": f"score-{row['id']}",
            **meta(row["updated_at"]),
            "status": "final",
            "category": SURVEY,
            "code": codes.measure_concept(row["measure_code"]),
            "subject": ref("Patient", row["patient_id"]),
            "effectiveDateTime": instant(row["answered_at"]),
            "valueQuantity": quantity(round(row["score"], 4), measure.unit, unit),
            "interpretation": [{"text": row["interpretation"]}] if row["interpretation"] else [],
            "derivedFrom": [ref("QuestionnaireResponse", row["id"])],
        }
    )


def _score_match(system: str | None, code: str) -> Q | bool:
    if system in (None, codes.LOINC) and code == codes.NPRS_LOINC[0]:
        return Q(measure_code="nprs")
    if system in (None, codes.local("ims-measure")):
        return Q(measure_code=code)
    return False


def _rom_owner_fields(owner: str) -> tuple[str, ...]:
    day = "session__session_date" if owner == "session" else "assessment__assessed_on"
    return (
        *ROM_FIELDS,
        f"{owner}_id",
        f"{owner}__patient_id",
        f"{owner}__practitioner_id",
        f"{owner}__signed_at",
        day,
    )


def _rom_source(owner: str, prefix: str, build: Any) -> Source:
    day = "session__session_date" if owner == "session" else "assessment__assessed_on"
    return Source(
        resource_type="Observation",
        model=RomMeasure,
        fields=_rom_owner_fields(owner),
        build=build,
        prefix=prefix,
        where=Q(**{f"{owner}__isnull": False}),
        patient=f"{owner}__patient_id",
        date=day,
        code=_rom_match,
    )


def _pain_source(
    model: Any, fields: tuple[str, ...], build: Any, prefix: str, where: Q | None
) -> Source:
    day = "session_date" if model is TreatmentSession else "assessed_on"
    return Source(
        resource_type="Observation",
        model=model,
        fields=fields,
        build=build,
        prefix=prefix,
        where=where,
        patient="patient_id",
        date=day,
        code=_nprs_match,
    )


ASSESSMENT_FIELDS = (
    "id",
    "updated_at",
    "patient_id",
    "practitioner_id",
    "assessed_on",
    "pain_now",
    "signed_at",
)

SOURCES = (
    _pain_source(TreatmentSession, SESSION_FIELDS, pain_before, "nprs-before", None),
    _pain_source(
        TreatmentSession, SESSION_FIELDS, pain_after, "nprs-after", Q(pain_after__isnull=False)
    ),
    _pain_source(
        Assessment,
        ASSESSMENT_FIELDS,
        pain_at_assessment,
        "nprs-assessment",
        Q(pain_now__isnull=False),
    ),
    _rom_source("session", "rom", rom_in_session),
    _rom_source("assessment", "rom-baseline", rom_at_assessment),
    Source(
        resource_type="Observation",
        model=QuestionnaireResponse,
        fields=SCORE_FIELDS,
        build=questionnaire_score,
        prefix="score",
        patient="patient_id",
        date="answered_at",
        code=_score_match,
    ),
)

"""From charted findings to the segmental inference and a needling plan.

The reasoning itself is framework-free (imsclinic.anatomy.inference and .plan); this
module only translates charted rows and patient precautions into its inputs and its
results into plain dicts for pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from imsclinic.anatomy import LevelRequired, Muscle, UnknownMuscle, get_catalog
from imsclinic.anatomy.inference import (
    DermatomalPain,
    Finding,
    FindingKind,
    InferenceResult,
    NeuropathySign,
    ParaspinalFinding,
    infer_levels,
)
from imsclinic.anatomy.plan import NeedlingPlan, build_plan
from imsclinic.charting.schemas import FindingIn, SignIn
from imsclinic.core.errors import Problems

_KINDS: tuple[FindingKind, ...] = ("taut_band", "tender_motor_point", "shortened", "local_twitch")


# One charted muscle finding, as stored or as typed into the assessment form or the API.


def resolve_muscle(problems: Problems, prefix: str, name: str, level: str = "") -> Muscle | None:
    """The catalog muscle for a typed name at a level (the one name map, shared by the
    actions and the API), or a problem on ``prefix.muscle`` with the closest names, or on
    ``prefix.level`` when a name such as "multifidus" needs the level to pick its entry."""
    try:
        return get_catalog().resolve(name, level)
    except LevelRequired as exc:
        problems.add(f"{prefix}.level", "required", str(exc), tuple(exc.suggestions))
        return None
    except UnknownMuscle as exc:
        problems.add(f"{prefix}.muscle", "unknown_muscle", str(exc), tuple(exc.suggestions))
        return None


def inference_inputs(
    rows: Iterable[FindingIn],
) -> tuple[list[Finding], list[ParaspinalFinding], list[str]]:
    """Muscle findings and paraspinal findings; unknown or incomplete rows are reported, not guessed."""
    catalog = get_catalog()
    findings: list[Finding] = []
    paraspinal: list[ParaspinalFinding] = []
    skipped: list[str] = []
    for row in rows:
        if not row.muscle.strip():
            continue
        try:
            muscle = catalog.resolve(row.muscle, row.level)
        except LevelRequired:
            skipped.append(f"{row.muscle}: choose the spinal level to include it.")
            continue
        except UnknownMuscle:
            skipped.append(f"'{row.muscle}' is not a known muscle and was not scored.")
            continue
        kinds = [kind for kind in _KINDS if getattr(row, kind)]
        if muscle.is_paraspinal:
            level = row.level.strip().upper()
            if not level or level not in catalog.paraspinal_levels_for(muscle):
                skipped.append(f"{muscle.name}: choose the spinal level to include it.")
            elif kinds:
                paraspinal.append(ParaspinalFinding(level=level, side=row.side, kind="tender"))
            continue
        if row.normal and not kinds:
            findings.append(Finding(muscle_id=muscle.id, side=row.side, kind="normal"))
        for kind in kinds:
            findings.append(Finding(muscle_id=muscle.id, side=row.side, kind=kind))
    return findings, paraspinal, skipped


def _left_out(muscle: str, level: str) -> str:
    """What ``inference_inputs`` says of a row it cannot score, for a row with no side."""
    try:
        name = get_catalog().resolve(muscle, level).name
    except LevelRequired:
        return f"{muscle}: choose the spinal level to include it."
    except UnknownMuscle:
        return f"'{muscle}' is not a known muscle and was not scored."
    return f"{name}: choose a side to include it."


def draft_findings(raw: Iterable[Mapping[str, Any]]) -> tuple[list[FindingIn], list[str]]:
    """The findings of a form still being filled in (the assessment page's live preview),
    as far as they are complete: a row without a side yet, or with a value outside its
    vocabulary, is left out and named, as ``inference_inputs`` names a row it cannot
    score. Nothing here raises on what the practitioner has typed so far."""
    rows: list[FindingIn] = []
    skipped: list[str] = []
    for finding in raw:
        muscle, level = str(finding.get("muscle", "")), str(finding.get("level", ""))
        values: dict[str, Any] = {"muscle": muscle, "side": finding.get("side"), "level": level}
        values.update({flag: bool(finding.get(flag)) for flag in (*_KINDS, "normal")})
        try:
            rows.append(FindingIn.model_validate(values))
        except ValidationError:
            if muscle.strip():
                skipped.append(_left_out(muscle, level))
    return rows, skipped


def draft_signs(raw: Iterable[Mapping[str, Any]]) -> list[SignIn]:
    """The ticked signs of a form being filled in that name a region, side and kind."""
    signs: list[SignIn] = []
    for sign in raw:
        try:
            signs.append(SignIn.model_validate(dict(sign)))
        except ValidationError:
            continue
    return signs


def neuropathy_signs(signs: Iterable[SignIn]) -> list[NeuropathySign]:
    """Gunn's signs ticked on the body chart, as segmental evidence (by dermatome); their
    region, side and kind were checked by the schema (charting/vocabulary.py)."""
    return [NeuropathySign(region=s.region, side=s.side, kind=s.kind) for s in signs]


def infer(
    rows: Iterable[FindingIn],
    dermatomal: Iterable[DermatomalPain] = (),
    signs: Iterable[SignIn] = (),
) -> tuple[InferenceResult, list[Finding], list[str]]:
    findings, paraspinal, skipped = inference_inputs(rows)
    result = infer_levels(findings, paraspinal, dermatomal, signs=neuropathy_signs(signs))
    return result, findings, skipped


def plan_for(
    patient: Any, rows: Iterable[FindingIn], signs: Iterable[SignIn] = ()
) -> tuple[InferenceResult, NeedlingPlan, list[str]]:
    result, findings, skipped = infer(rows, signs=signs)
    return result, build_plan(result, findings, patient.precautions), skipped


def rows_of_assessment(assessment: Any) -> list[FindingIn]:
    return [
        FindingIn(
            muscle=f.muscle_id,
            side=f.side,
            level=f.level,
            taut_band=f.taut_band,
            tender_motor_point=f.tender_motor_point,
            shortened=f.shortened,
            local_twitch=f.local_twitch,
            normal=f.normal,
        )
        for f in assessment.findings.all()
    ]


def signs_of_assessment(assessment: Any) -> list[SignIn]:
    return [SignIn(region=s.region, side=s.side, kind=s.kind) for s in assessment.signs.all()]


def result_dict(result: InferenceResult, skipped: list[str] | None = None) -> dict[str, Any]:
    return {
        "clear": result.clear,
        "message": result.message,
        "notes": [*result.notes, *(skipped or [])],
        "levels": [
            {
                "level": s.level,
                "side": s.side,
                "score": round(s.score, 3),
                "coverage": s.coverage,
                "total": s.total,
                "supporting": [*s.reasons, *(e.description for e in s.supporting)],
                "against": [e.description for e in s.against],
            }
            for s in result.ranked
        ],
    }


def plan_dict(plan: NeedlingPlan) -> dict[str, Any]:
    names = get_catalog().display_names()
    return {
        "blocked": plan.blocked,
        "blocks": list(plan.blocks),
        "warnings": list(plan.warnings),
        "levels": [
            {"level": s.level, "side": s.side, "score": round(s.score, 3)} for s in plan.levels
        ],
        "sites": [
            {
                "muscle_id": site.muscle_id,
                "muscle": names.get(site.muscle_id, site.muscle_id),
                "side": site.side,
                "level": site.level,
                "reason": site.reason,
                "safety_notes": list(site.safety_notes),
                "blocked": site.blocked,
                "block_reason": site.block_reason,
            }
            for site in plan.sites
        ],
    }


def level_maps() -> dict[str, dict[str, list[str]]]:
    """Level -> body-chart regions of its myotome (muscles it supplies) and its dermatome."""
    catalog = get_catalog()
    maps: dict[str, dict[str, list[str]]] = {}
    for muscle in catalog.muscles:
        if muscle.is_paraspinal:
            continue
        for root in muscle.roots:
            entry = maps.setdefault(root.level, {"myotome": [], "dermatome": []})
            for region in muscle.chart_regions:
                if region not in entry["myotome"]:
                    entry["myotome"].append(region)
    for level, dermatome in catalog.dermatomes.items():
        maps.setdefault(level, {"myotome": [], "dermatome": []})["dermatome"] = list(
            dermatome.chart_regions
        )
    return maps

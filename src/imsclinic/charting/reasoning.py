"""From charted findings to the segmental inference and a needling plan.

The reasoning itself is framework-free (imsclinic.anatomy.inference and .plan); this
module only translates charted rows and patient precautions into its inputs and its
results into plain dicts for pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from imsclinic.anatomy import Muscle, UnknownMuscle, get_catalog
from imsclinic.anatomy.inference import (
    DermatomalPain,
    Finding,
    InferenceResult,
    ParaspinalFinding,
    infer_levels,
)
from imsclinic.anatomy.plan import NeedlingPlan, build_plan
from imsclinic.charting.schemas import FindingIn
from imsclinic.core.errors import Problems

_KINDS = ("taut_band", "tender_motor_point", "shortened", "local_twitch")


# One charted muscle finding, as stored or as typed into the assessment form or the API.
FindingRow = FindingIn


def resolve_muscle(problems: Problems, field: str, name: str) -> Muscle | None:
    """The catalog muscle for a typed name, or a field problem with the closest names."""
    try:
        return get_catalog().resolve(name)
    except UnknownMuscle as exc:
        problems.add(field, "unknown_muscle", str(exc), tuple(exc.suggestions))
        return None


def inference_inputs(
    rows: Iterable[FindingRow],
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
            muscle = catalog.resolve(row.muscle)
        except UnknownMuscle:
            skipped.append(f"'{row.muscle}' is not a known muscle and was not scored.")
            continue
        if row.side not in ("left", "right"):
            skipped.append(f"{muscle.name}: choose a side to include it.")
            continue
        kinds = [kind for kind in _KINDS if getattr(row, kind)]
        if muscle.is_paraspinal:
            level = row.level.strip().upper()
            if not level or level not in catalog.paraspinal_levels_for(muscle):
                skipped.append(f"{muscle.name}: choose the spinal level to include it.")
            elif kinds:
                paraspinal.append(ParaspinalFinding(level=level, side=row.side, kind="tender"))  # type: ignore[arg-type]
            continue
        if row.normal and not kinds:
            findings.append(Finding(muscle_id=muscle.id, side=row.side, kind="normal"))  # type: ignore[arg-type]
        for kind in kinds:
            findings.append(Finding(muscle_id=muscle.id, side=row.side, kind=kind))  # type: ignore[arg-type]
    return findings, paraspinal, skipped


def infer(
    rows: Iterable[FindingRow], dermatomal: Iterable[DermatomalPain] = ()
) -> tuple[InferenceResult, list[Finding], list[str]]:
    findings, paraspinal, skipped = inference_inputs(rows)
    return infer_levels(findings, paraspinal, dermatomal), findings, skipped


def plan_for(
    patient: Any, rows: Iterable[FindingRow]
) -> tuple[InferenceResult, NeedlingPlan, list[str]]:
    result, findings, skipped = infer(rows)
    return result, build_plan(result, findings, patient.precautions), skipped


def rows_of_assessment(assessment: Any) -> list[FindingRow]:
    return [
        FindingRow(
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
                "supporting": [e.description for e in s.supporting],
                "against": [e.description for e in s.against],
            }
            for s in result.ranked
        ],
    }


def plan_dict(plan: NeedlingPlan) -> dict[str, Any]:
    names = {m.id: m.name for m in get_catalog().muscles}
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

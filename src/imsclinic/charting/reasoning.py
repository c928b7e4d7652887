"""From charted findings to the segmental inference and a needling plan.

The reasoning itself is framework-free (imsclinic.anatomy.inference and .plan); this
module only translates charted rows and patient precautions into its inputs and its
results into plain dicts for pages and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from imsclinic.anatomy import LevelRequired, Muscle, UnknownMuscle, get_catalog
from imsclinic.anatomy.inference import (
    SIGN_LABELS,
    DermatomalPain,
    Finding,
    InferenceResult,
    NeuropathySign,
    ParaspinalFinding,
    infer_levels,
)
from imsclinic.anatomy.plan import NeedlingPlan, build_plan
from imsclinic.charting.schemas import FindingIn, SignIn
from imsclinic.core.errors import Problems

_KINDS = ("taut_band", "tender_motor_point", "shortened", "local_twitch")


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


def neuropathy_signs(signs: Iterable[SignIn]) -> list[NeuropathySign]:
    """Gunn's signs ticked on the body chart, as segmental evidence (by dermatome); rows
    with an unknown region, side or kind are left out (the action reports them)."""
    known_regions = set(get_catalog().region_ids())
    return [
        NeuropathySign(region=s.region, side=s.side, kind=s.kind)  # type: ignore[arg-type]
        for s in signs
        if s.region in known_regions and s.side in ("left", "right") and s.kind in SIGN_LABELS
    ]


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

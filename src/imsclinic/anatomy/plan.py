"""Needling plan: which sites to needle this session, in what order, and what blocks them.

Gunn treats segmentally: the paraspinals at the involved level first, then the shortened
peripheral muscles supplied by that root (DOMAIN.md section 1). Safety rules follow
DOMAIN.md section 6; each note carries its source key in brackets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from imsclinic.rules.needling import Precautions

from .catalog import Catalog, get_catalog
from .inference import FINDING_LABELS, Finding, InferenceResult, LevelScore
from .levels import PARASPINAL_LEVELS, SIDES, Side, level_index
from .records import Muscle

# One precautions type for the plan and the session rules (imsclinic/rules/needling.py).
PatientPrecautions = Precautions


@dataclass(frozen=True)
class PlanSite:
    muscle_id: str
    side: Side
    level: str | None  # the spinal level for a paraspinal site, None for peripheral muscles
    reason: str  # which finding points to which level
    safety_notes: tuple[str, ...]
    blocked: bool = False
    block_reason: str | None = None


@dataclass(frozen=True)
class NeedlingPlan:
    sites: tuple[PlanSite, ...]
    warnings: tuple[str, ...]
    blocks: tuple[str, ...]  # plan-level absolute contraindications: nothing may be needled
    levels: tuple[LevelScore, ...]  # the involved levels the plan treats

    @property
    def blocked(self) -> bool:
        return bool(self.blocks)

    @property
    def needle_sites(self) -> tuple[PlanSite, ...]:
        return tuple(site for site in self.sites if not site.blocked)


# Relative contraindications (DOMAIN.md section 6): the plan proceeds with a warning.
_RELATIVE: tuple[tuple[str, str], ...] = (
    (
        "anticoagulants",
        "Anticoagulants: relative contraindication; bruising and bleeding are more likely "
        "(bruising 7.6% and bleeding 4.7% of treatments overall [Brady]): apply firm pressure "
        "after each insertion [APTA-list].",
    ),
    (
        "bleeding_disorder",
        "Bleeding disorder: relative contraindication; apply firm pressure after each insertion "
        "and watch for bruising [APTA-list].",
    ),
    (
        "pregnancy",
        "Pregnancy: relative contraindication; weigh the need for treatment and record the "
        "decision [APTA-list].",
    ),
    (
        "diabetes",
        "Diabetes: relative contraindication; check skin integrity and sensation and keep "
        "strict asepsis [APTA-list].",
    ),
    (
        "immunocompromised",
        "Immunocompromise: relative contraindication; infection risk, keep strict asepsis "
        "[APTA-list].",
    ),
    (
        "epilepsy",
        "Epilepsy: relative contraindication; treat lying down and stay with the patient "
        "[APTA-list].",
    ),
    (
        "metal_allergy",
        "Metal allergy: relative contraindication; check the needle alloy before use [APTA-list].",
    ),
    (
        "pacemaker_implant",
        "Pacemaker or implant: do not needle over the device or implant and add no electrical "
        "stimulation [project].",
    ),
)

_PHOBIA = "Needle phobia: absolute contraindication, no needling [APTA-list]."
_NO_CONSENT = (
    "Patient unable or unwilling to consent: absolute contraindication, no needling "
    "[APTA-list]; consent must disclose material and special risks [PA-AE-FAQ]."
)


def _depth_caution(lung_risk: bool, max_depth_mm: int | None) -> tuple[str, ...]:
    if not lung_risk:
        return ()
    depth = f"; no deeper than about {max_depth_mm} mm" if max_depth_mm else ""
    return (f"Depth caution: direct the needle away from the lung{depth} [HPCSA].",)


def _paraspinal_sites(
    side: Side, levels: tuple[LevelScore, ...], catalog: Catalog, warnings: list[str]
) -> list[PlanSite]:
    sites = []
    for rank, score in enumerate(levels):
        if score.level not in PARASPINAL_LEVELS:
            warnings.append(
                f"No paraspinal site at {score.level} ({side}): treat its peripheral muscles only."
            )
            continue
        site = catalog.paraspinal_site(score.level)
        role = "best level" if rank == 0 else "also involved"
        sites.append(
            PlanSite(
                muscle_id=site.muscle_id,
                side=side,
                level=score.level,
                reason=(
                    f"Paraspinals at {score.level} ({side}): segment of the involved root "
                    f"{score.level} ({role}, score {score.score:g}). {site.landmark}."
                ),
                safety_notes=site.safety_notes + _depth_caution(site.lung_risk, None),
            )
        )
    return sites


def _peripheral_sites(
    side: Side,
    levels: tuple[LevelScore, ...],
    findings: list[Finding],
    catalog: Catalog,
    warnings: list[str],
) -> list[PlanSite]:
    involved = [score.level for score in levels]
    kinds_by_muscle: dict[str, list[str]] = {}
    for finding in findings:
        if finding.side == side and finding.kind != "normal":
            kinds = kinds_by_muscle.setdefault(finding.muscle_id, [])
            if finding.kind not in kinds:
                kinds.append(finding.kind)
    ranked: list[tuple[tuple[int, int, str], PlanSite]] = []
    for muscle_id, kinds in kinds_by_muscle.items():
        muscle = catalog.get(muscle_id)
        if muscle.is_paraspinal:
            continue
        matched = [root for root in muscle.roots if root.level in involved]
        if not matched:
            reason = (
                "no spinal root (cranial nerve supply)"
                if not muscle.roots
                else f"roots {', '.join(muscle.root_levels)} are not among the involved levels "
                f"({', '.join(involved)})"
            )
            warnings.append(f"Not in the plan: {muscle.name} ({side}) has findings but {reason}.")
            continue
        found = ", ".join(FINDING_LABELS[kind].lower() for kind in kinds)
        roots = ", ".join(
            f"{root.level} {'predominant' if root.predominant else 'contributing'}"
            for root in matched
        )
        site = PlanSite(
            muscle_id=muscle.id,
            side=side,
            level=None,
            reason=f"{found.capitalize()} in {muscle.name} ({side}) -> {roots} "
            + ("root" if len(matched) == 1 else "roots"),
            safety_notes=muscle.safety_notes
            + _depth_caution(muscle.lung_risk, muscle.max_depth_mm),
        )
        # Muscles of the best level first, predominant supply before contributing.
        order = (
            min(involved.index(root.level) for root in matched),
            0 if any(root.predominant for root in matched) else 1,
            muscle.name,
        )
        ranked.append((order, site))
    ranked.sort(key=lambda item: item[0])
    return [site for _, site in ranked]


def _block(site: PlanSite, reason: str) -> PlanSite:
    return dataclasses.replace(site, blocked=True, block_reason=reason)


def _is_thorax(site: PlanSite, catalog: Catalog) -> bool:
    if site.level is not None:
        return catalog.paraspinal_site(site.level).thorax
    return catalog.get(site.muscle_id).thorax


def _apply_lymphedema(
    sites: list[PlanSite], precautions: PatientPrecautions, catalog: Catalog
) -> list[PlanSite]:
    result = []
    for site in sites:
        muscle: Muscle = catalog.get(site.muscle_id)
        key = f"{site.side}_{muscle.limb}"
        if muscle.limb and key in precautions.lymphedema_sites:
            site = _block(
                site,
                f"Lymphedematous limb ({site.side} {muscle.limb}): needling into a "
                "lymphedematous area is an absolute contraindication [APTA-list].",
            )
        result.append(site)
    return result


def _apply_one_side_of_thorax(
    sites: list[PlanSite], result: InferenceResult, catalog: Catalog, warnings: list[str]
) -> list[PlanSite]:
    thorax_sides = {s.side for s in sites if not s.blocked and _is_thorax(s, catalog)}
    if len(thorax_sides) < 2:
        return sites

    def priority(side: Side) -> tuple[float, int, int]:
        top = result.top(side)
        count = sum(1 for s in sites if s.side == side and not s.blocked and _is_thorax(s, catalog))
        # Higher score wins; then more thorax sites; then left, so the choice is deterministic.
        return (top.score if top else 0.0, count, -SIDES.index(side))

    keep = max(SIDES, key=priority)
    other: Side = "right" if keep == "left" else "left"
    keep_top, other_top = result.top(keep), result.top(other)
    why = (
        f"higher score {keep_top.score:g} vs {other_top.score:g}"
        if keep_top and other_top and keep_top.score != other_top.score
        else "tie broken by number of thorax sites, then left first"
    )
    reason = (
        f"Never needle both sides of the thorax in one session [HPCSA]: the {keep} side is "
        f"treated today ({why}); needle the {other} thorax in another session."
    )
    warnings.append(reason)
    return [
        _block(s, reason) if s.side == other and not s.blocked and _is_thorax(s, catalog) else s
        for s in sites
    ]


def build_plan(
    result: InferenceResult,
    findings: Iterable[Finding],
    precautions: PatientPrecautions,
    catalog: Catalog | None = None,
    max_levels: int = 2,
) -> NeedlingPlan:
    """Turn an inference result and the findings into an ordered, safety-checked plan."""
    catalog = catalog or get_catalog()
    findings = list(findings)
    warnings: list[str] = []
    blocks: list[str] = []
    if precautions.needle_phobia:
        blocks.append(_PHOBIA)
    if precautions.unable_to_consent:
        blocks.append(_NO_CONSENT)
    warnings += [text for flag, text in _RELATIVE if getattr(precautions, flag)]
    for limb in precautions.lymphedema_sites:
        warnings.append(
            f"Lymphedema ({limb.replace('_', ' ')}): sites in that limb are blocked; the swollen "
            "area can extend beyond the limb, so check every site near it [APTA-list]."
        )
    if not result.clear and result.ranked:
        warnings.append(f"Inference unclear: {result.message}")
    for note in result.notes:
        warnings.append(note)

    # The side with the stronger findings is listed first.
    sides = sorted(
        (side for side in SIDES if result.top(side) is not None),
        key=lambda side: (-(result.top(side).score), SIDES.index(side)),  # type: ignore[union-attr]
    )
    levels_by_side = {side: result.involved_levels(side, max_levels) for side in sides}
    if not sides:
        warnings.append("Findings do not point to a level: no segmental plan.")
    sites: list[PlanSite] = []
    for side in sides:
        sites += _paraspinal_sites(side, levels_by_side[side], catalog, warnings)
    for side in sides:
        sites += _peripheral_sites(side, levels_by_side[side], findings, catalog, warnings)

    sites = _apply_lymphedema(sites, precautions, catalog)
    sites = _apply_one_side_of_thorax(sites, result, catalog, warnings)
    if blocks:
        reason = " ".join(blocks)
        sites = [_block(site, reason) for site in sites]
    levels = tuple(
        sorted(
            (score for side in sides for score in levels_by_side[side]),
            key=lambda s: (SIDES.index(s.side), level_index(s.level)),
        )
    )
    return NeedlingPlan(tuple(sites), tuple(dict.fromkeys(warnings)), tuple(blocks), levels)

"""Needling plan: which sites to needle this session, in what order, and what blocks them.

Gunn treats segmentally: the paraspinals at the involved level first, then the shortened
peripheral muscles supplied by that root [DOMAIN-1]. Every site is checked by the same
rules as a charted session (``rules.needling.site_issues``): a plan never offers a site the
session would refuse. Each note carries its source key in brackets
(docs/clinical-references.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from imsclinic.rules.needling import Precautions, SiteFacts, lung_sides, site_issues
from imsclinic.rules.precautions import BY_CODE

from .catalog import Catalog, get_catalog
from .inference import FINDING_LABELS, Finding, InferenceResult, LevelScore
from .levels import PARASPINAL_LEVELS, SIDES, Side, level_index

# One precautions type for the plan and the session rules (imsclinic/rules/precautions.py).
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
    # What the safety rules know about the site (the muscle at its level): the same facts
    # the session rules check, so the plan never offers what charting would refuse.
    facts: SiteFacts | None = None


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


def _depth_caution(lung_risk: bool, max_depth_mm: int | None) -> tuple[str, ...]:
    if not lung_risk:
        return ()
    depth = f"; no deeper than about {max_depth_mm} mm" if max_depth_mm else ""
    return (f"Depth caution: direct the needle away from the lung{depth} [AHPCSA-121].",)


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
                facts=catalog.site(catalog.get(site.muscle_id), score.level, side),
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
            facts=catalog.site(muscle, "", side),
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


def _facts(site: PlanSite) -> SiteFacts:
    assert site.facts is not None
    return site.facts


def _apply_site_rules(
    sites: list[PlanSite], precautions: PatientPrecautions, warnings: list[str]
) -> list[PlanSite]:
    """The session rules' per-site checks: blocked sites carry the rule's reason; warnings
    that need an acknowledgement when charting are listed once each."""
    result = []
    for site in sites:
        blocks, site_warnings = site_issues(precautions, _facts(site))
        warnings += [issue.message for issue in site_warnings]
        result.append(_block(site, " ".join(i.message for i in blocks)) if blocks else site)
    return result


def _apply_one_side_of_thorax(
    sites: list[PlanSite], result: InferenceResult, warnings: list[str]
) -> list[PlanSite]:
    def at_risk(site: PlanSite) -> bool:
        return not site.blocked and _facts(site).lung_risk

    if len(lung_sides(_facts(s) for s in sites if not s.blocked)) < 2:
        return sites

    def priority(side: Side) -> tuple[float, int, int]:
        top = result.top(side)
        count = sum(1 for s in sites if s.side == side and at_risk(s))
        # Higher score wins; then more lung-risk sites; then left, so the choice is fixed.
        return (top.score if top else 0.0, count, -SIDES.index(side))

    keep = max(SIDES, key=priority)
    other: Side = "right" if keep == "left" else "left"
    keep_top, other_top = result.top(keep), result.top(other)
    why = (
        f"higher score {keep_top.score:g} vs {other_top.score:g}"
        if keep_top and other_top and keep_top.score != other_top.score
        else "tie broken by number of sites over the lung, then left first"
    )
    reason = (
        f"Never needle both sides of the thorax in one session [AHPCSA-121]: the {keep} side "
        f"is treated today ({why}); needle the {other} side over the lung in another session."
    )
    warnings.append(reason)
    return [_block(s, reason) if s.side == other and at_risk(s) else s for s in sites]


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
    blocks = [BY_CODE[code].message for code in precautions.absolute()]
    warnings += [BY_CODE[code].message for code in precautions.relative()]
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

    sites = _apply_site_rules(sites, precautions, warnings)
    sites = _apply_one_side_of_thorax(sites, result, warnings)
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

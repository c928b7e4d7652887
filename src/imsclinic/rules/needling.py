"""Who may needle whom, where: the checks run before any needling is charted.

The session write path (``charting.actions.session_record``) and the needling plan
(``anatomy.plan.build_plan``) both ask these functions, so a page, the API and a plan
cannot disagree about a site.

A site is described by what the anatomy says about the muscle *at its level*
(``SiteFacts``, built by ``anatomy.Catalog.site``), never by the word typed: any
paraspinal at T1-T12 is over the lung, whatever name was used.

Sources (docs/clinical-references.md): absolute and relative contraindications
[APTA-list]; pneumothorax, one side of the thorax per session, deep non-compressible
sites on anticoagulants [AHPCSA-121]; lymph drainage of the trunk by quadrant [Gray];
abdominal and lumbosacral sites in pregnancy [GEMt-pregnancy]; restricted-activity
authorization [PA-RA, PA-Notice]; informed consent [PA-AE-FAQ].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from imsclinic.rules.precautions import (
    BY_CODE,
    LIMB_SITES,
    LYMPHEDEMA_SITES,
    MINOR_AGE,
    NODES_OF_LIMB,
    QUADRANT_OF_NODES,
    Precautions,
)

__all__ = [
    "LYMPHEDEMA_SITES",
    "OTHER_WARNINGS",
    "RELATIVE_PRECAUTIONS",
    "REQUIRED_AUTHORIZATIONS",
    "Decision",
    "Issue",
    "PlannedInsertion",
    "Precautions",
    "SiteFacts",
    "check_needling",
    "lung_sides",
    "site_issues",
]

# Relative precautions (patient-level) and the site-level warnings that also need an
# acknowledgement: code -> message. The session form lists these as checkboxes.
RELATIVE_PRECAUTIONS: dict[str, str] = {
    p.code: p.message for p in BY_CODE.values() if p.kind == "relative"
}

# Warnings raised by a site or the patient's age rather than one precaution field; they are
# acknowledged the same way. code -> short label (the messages carry the details).
OTHER_WARNINGS: dict[str, str] = {
    "lymphedema_quadrant": "Trunk quadrant drained by the nodes of a lymphedematous limb",
    "lymph_nodes_removed": "Site drained by removed lymph nodes",
    "minor": "Patient under 18 (guardian's consent on file)",
}

REQUIRED_AUTHORIZATIONS: dict[str, str] = {
    "ims_certification": "IMS certification",
    "restricted_activity": "regulator's restricted-activity authorization for needling",
}


@dataclass(frozen=True)
class SiteFacts:
    """What the rules must know about one needling site: a muscle at a level, one side."""

    muscle_name: str
    side: str
    limb: str | None  # "upper" / "lower" for limb muscles
    lung_risk: bool  # a needle can reach lung or pleura: one side per session
    noncompressible: bool  # deep: pressure cannot stop bleeding [AHPCSA-121]
    pregnancy_avoid: bool  # abdominal or lumbosacral site
    drains_to: tuple[str, ...] = ()  # lymph nodes of the site: "axillary", "inguinal"
    level: str = ""

    @property
    def label(self) -> str:
        level = f" {self.level}" if self.level else ""
        return f"{self.muscle_name}{level} ({self.side})"


@dataclass(frozen=True)
class PlannedInsertion:
    """One insertion to check; ``field`` locates it for errors (``insertions.2.muscle``)."""

    field: str
    site: SiteFacts


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class Decision:
    blocks: tuple[Issue, ...]
    warnings: tuple[Issue, ...]

    @property
    def allowed(self) -> bool:
        return not self.blocks


def _limb_key(side: str, limb: str) -> str:
    return f"{side}_{limb}"


def site_issues(precautions: Precautions, site: SiteFacts) -> tuple[list[Issue], list[Issue]]:
    """Blocks and warnings that depend on where the needle goes (not on the practitioner,
    consent or the other sites). The plan calls this for each of its sites, the session
    rules for each insertion."""
    blocks: list[Issue] = []
    warnings: list[Issue] = []
    side = site.side
    if site.limb and _limb_key(side, site.limb) in precautions.lymphedema_sites:
        limb = LIMB_SITES[_limb_key(side, site.limb)].lower()
        blocks.append(
            Issue(
                "lymphedema_limb",
                f"{site.label} is in the lymphedematous {limb}: needling into a "
                "lymphedematous area is an absolute contraindication [APTA-list]. "
                "Choose another site.",
            )
        )
    else:
        for key in precautions.lymphedema_sites:
            key_side, limb = key.split("_")
            nodes = NODES_OF_LIMB[limb]
            if key_side == side and not site.limb and nodes in site.drains_to:
                warnings.append(
                    Issue(
                        "lymphedema_quadrant",
                        f"{site.label} lies in the {side} {QUADRANT_OF_NODES[nodes]} trunk "
                        f"quadrant, drained by the same {nodes} nodes as the lymphedematous "
                        f"{LIMB_SITES[key].lower()} [Gray]: check the trunk for swelling; never "
                        "needle into a lymphedematous area [APTA-list].",
                    )
                )
    for key in precautions.lymph_nodes_removed:
        key_side, limb = key.split("_")
        nodes = NODES_OF_LIMB[limb]
        if key_side != side:
            continue
        if site.limb == limb:
            where = f"{side} {'arm' if limb == 'upper' else 'leg'}"
        elif not site.limb and nodes in site.drains_to:
            where = f"{side} {QUADRANT_OF_NODES[nodes]} trunk quadrant"
        else:
            continue
        warnings.append(
            Issue(
                "lymph_nodes_removed",
                f"{site.label} is in the {where}, drained by the removed {side} {nodes} "
                "nodes [Gray]: lymphedema risk; keep strict asepsis and few insertions, and "
                "never needle into a swollen area [APTA-list].",
            )
        )
    if site.noncompressible and (precautions.anticoagulants or precautions.bleeding_disorder):
        reason = "anticoagulants" if precautions.anticoagulants else "a bleeding disorder"
        blocks.append(
            Issue(
                "noncompressible_site",
                f"{site.label} lies deep, where pressure cannot stop bleeding: contraindicated "
                f"with {reason} [AHPCSA-121]. Choose a superficial site.",
            )
        )
    if site.pregnancy_avoid and precautions.pregnancy:
        blocks.append(
            Issue(
                "pregnancy_site",
                f"{site.label} is an abdominal or lumbosacral site: not needled during "
                "pregnancy [GEMt-pregnancy] [project]. Choose another site.",
            )
        )
    return blocks, warnings


def lung_sides(sites: Iterable[SiteFacts]) -> set[str]:
    """Sides with a lung-risk site; both sides in one session is refused [AHPCSA-121]."""
    return {site.side for site in sites if site.lung_risk}


_BOTH_SIDES = (
    "Insertions over the lung on both sides in one session risk bilateral pneumothorax "
    "[AHPCSA-121]. Treat one side of the thorax this session."
)


def _minor_issues(age_years: int | None, guardian_consent: bool) -> tuple[list[Issue], list[Issue]]:
    if age_years is None or age_years >= MINOR_AGE:
        return [], []
    if not guardian_consent:
        return [
            Issue(
                "minor_without_guardian",
                f"The patient is {age_years} (under {MINOR_AGE}): needling needs the current "
                "consent of a parent or guardian [project]. Record it (Patient > Consent, "
                "given by a parent or guardian) before charting insertions.",
                "patient",
            )
        ], []
    return [], [
        Issue(
            "minor",
            f"Patient under {MINOR_AGE} ({age_years}): children are a relative "
            "contraindication [APTA-list]; a parent's or guardian's consent is on file.",
        )
    ]


def check_needling(
    *,
    precautions: Precautions,
    has_current_consent: bool,
    current_authorizations: Iterable[str],
    insertions: Sequence[PlannedInsertion],
    age_years: int | None = None,
    guardian_consent: bool = False,
) -> Decision:
    blocks: list[Issue] = []
    current = set(current_authorizations)
    for kind, label in REQUIRED_AUTHORIZATIONS.items():
        if kind not in current:
            blocks.append(
                Issue(
                    f"authorization_{kind}",
                    f"No current {label} on the session date: needling cannot be charted by "
                    "this practitioner. Record a valid authorization (Admin > Practitioners) "
                    "or have an authorized practitioner chart the session.",
                    "practitioner",
                )
            )
    if precautions.unable_to_consent:
        blocks.append(
            Issue(
                "unable_to_consent",
                "Patient is recorded as unable to consent: needling is contraindicated. "
                "Update the patient's precautions only if this has changed.",
                "patient",
            )
        )
    elif not has_current_consent:
        blocks.append(
            Issue(
                "consent_missing",
                "No current informed consent for needling on the session date. Record the "
                "patient's consent (Patient > Consent) before charting insertions.",
                "patient",
            )
        )
    minor_blocks, warnings = _minor_issues(age_years, guardian_consent)
    blocks += minor_blocks
    if insertions:
        for code in precautions.absolute():
            if code != "unable_to_consent":
                blocks.append(Issue(code, BY_CODE[code].message, "patient"))
    for insertion in insertions:
        site_blocks, site_warnings = site_issues(precautions, insertion.site)
        blocks += [Issue(i.code, i.message, insertion.field) for i in site_blocks]
        warnings += site_warnings
    if {"left", "right"} <= lung_sides(i.site for i in insertions):
        first_right = next(i for i in insertions if i.site.lung_risk and i.site.side == "right")
        blocks.append(Issue("thorax_both_sides", _BOTH_SIDES, first_right.field))
    if not insertions:
        return Decision(blocks=tuple(blocks), warnings=())
    # One acknowledgement per code: the patient's relative precautions, then the first site
    # that raised each site-level warning.
    by_code: dict[str, Issue] = {}
    for issue in [Issue(c, RELATIVE_PRECAUTIONS[c]) for c in precautions.relative()] + warnings:
        by_code.setdefault(issue.code, issue)
    return Decision(blocks=tuple(blocks), warnings=tuple(by_code.values()))

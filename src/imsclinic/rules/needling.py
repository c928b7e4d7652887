"""Who may needle whom, where: the checks run before any needling is charted.

Sources (see ../shared/DOMAIN.md section 6 and 7): absolute and relative
contraindications [APTA-list, vansportsphysio]; thorax both sides, lung depth [HPCSA];
restricted-activity authorization [PA-RA, PA-Notice]; informed consent [PA-AE-FAQ].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LYMPHEDEMA_SITES: dict[str, str] = {
    "left_upper": "Left arm",
    "right_upper": "Right arm",
    "left_lower": "Left leg",
    "right_lower": "Right leg",
}

# Relative contraindications: needling may go ahead once the practitioner acknowledges them.
RELATIVE_PRECAUTIONS: dict[str, str] = {
    "anticoagulants": "Takes anticoagulants: apply pressure after each insertion; bruising and "
    "bleeding are more likely.",
    "bleeding_disorder": "Bleeding tendency: apply pressure after each insertion; avoid deep "
    "sites near large vessels.",
    "pregnancy": "Pregnant: avoid abdominal and lumbosacral sites and strong stimulation.",
    "diabetes": "Diabetes: skin healing and infection risk; check the skin and sensation.",
    "immunocompromised": "Immunocompromised: strict asepsis; infection risk is higher.",
    "epilepsy": "Epilepsy: a vasovagal reaction or seizure is possible; treat lying down.",
    "metal_allergy": "Metal allergy: use needles free of the allergen (e.g. nickel).",
    "pacemaker_implant": "Pacemaker or implant: no electrical stimulation; keep clear of the device.",
}

REQUIRED_AUTHORIZATIONS: dict[str, str] = {
    "ims_certification": "IMS certification",
    "restricted_activity": "regulator's restricted-activity authorization for needling",
}


@dataclass(frozen=True)
class Precautions:
    """A patient's needling precautions: the one type the session rules and the needling
    plan (imsclinic.anatomy.plan) both read."""

    anticoagulants: bool = False
    bleeding_disorder: bool = False
    pregnancy: bool = False
    diabetes: bool = False
    immunocompromised: bool = False
    epilepsy: bool = False
    metal_allergy: bool = False
    pacemaker_implant: bool = False
    needle_phobia: bool = False
    unable_to_consent: bool = False
    lymphedema_sites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Callers often hold a list (e.g. from a JSON field); keep the value hashable.
        object.__setattr__(self, "lymphedema_sites", tuple(self.lymphedema_sites))
        unknown = [site for site in self.lymphedema_sites if site not in LYMPHEDEMA_SITES]
        if unknown:
            raise ValueError(
                f"lymphedema_sites must be among {', '.join(LYMPHEDEMA_SITES)}, got {unknown}"
            )

    def relative(self) -> list[str]:
        return [code for code in RELATIVE_PRECAUTIONS if getattr(self, code)]


@dataclass(frozen=True)
class PlannedInsertion:
    """What the rules need to know about one insertion; ``field`` locates it for errors."""

    field: str
    muscle_name: str
    side: str
    limb: str | None
    thorax: bool


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


def check_needling(
    *,
    precautions: Precautions,
    has_current_consent: bool,
    current_authorizations: Iterable[str],
    insertions: Sequence[PlannedInsertion],
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
    if precautions.needle_phobia and insertions:
        blocks.append(
            Issue(
                "needle_phobia",
                "Patient has needle phobia, an absolute contraindication to needling. Remove "
                "the insertions or update the precaution if it no longer applies.",
                "patient",
            )
        )
    lymph = set(precautions.lymphedema_sites)
    for insertion in insertions:
        if insertion.limb and f"{insertion.side}_{insertion.limb}" in lymph:
            site = LYMPHEDEMA_SITES[f"{insertion.side}_{insertion.limb}"]
            blocks.append(
                Issue(
                    "lymphedema_limb",
                    f"{insertion.muscle_name} ({insertion.side}) is in the lymphedematous "
                    f"{site.lower()}: needling there is contraindicated. Choose another site.",
                    insertion.field,
                )
            )
    thorax_sides = {i.side for i in insertions if i.thorax}
    if {"left", "right"} <= thorax_sides:
        first_other = next(i for i in insertions if i.thorax and i.side == "right")
        blocks.append(
            Issue(
                "thorax_both_sides",
                "Insertions over the thorax on both sides in one session risk bilateral "
                "pneumothorax [HPCSA]. Treat one side of the thorax this session.",
                first_other.field,
            )
        )
    warnings: list[Issue] = []
    if insertions:
        warnings = [Issue(code, RELATIVE_PRECAUTIONS[code]) for code in precautions.relative()]
    return Decision(blocks=tuple(blocks), warnings=tuple(warnings))

"""The one table of a patient's needling precautions.

Every place that knows about precautions reads this table: the patient model's fields
(``patients.models``), the input and output schemas (``patients.schemas``), the labels on
the patient form and the chart, the session rules (``rules.needling``) and the needling
plan (``anatomy.plan``). A new precaution is one row here plus a migration.

Sources (docs/clinical-references.md): absolute and relative contraindications
[APTA-list]; deep sites where pressure cannot stop bleeding [AHPCSA-121]; consent
[PA-AE-FAQ]. Where the project chose a stricter handling than a source states, the
message says [project].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["absolute", "relative"]


@dataclass(frozen=True)
class Precaution:
    """One yes/no precaution recorded on the patient.

    ``absolute``: no needling at all while it is set. ``relative``: needling may go ahead
    once the practitioner acknowledges ``message`` for the session (the acknowledged codes
    are stored on the session). Site rules that depend on a precaution (deep sites on
    anticoagulants, abdominal sites in pregnancy) live in ``rules.needling``.
    """

    code: str
    label: str  # checkbox label on the patient form
    kind: Kind
    message: str  # block reason or warning to acknowledge, with its source


PRECAUTIONS: tuple[Precaution, ...] = (
    Precaution(
        "needle_phobia",
        "Needle phobia",
        "absolute",
        "Needle phobia: absolute contraindication, no needling [APTA-list]. Remove the "
        "insertions, or update the precaution if it no longer applies.",
    ),
    Precaution(
        "unable_to_consent",
        "Unable to consent",
        "absolute",
        "Patient unable or unwilling to consent: absolute contraindication, no needling "
        "[APTA-list]; consent must disclose material and special risks [PA-AE-FAQ].",
    ),
    Precaution(
        "systemic_infection",
        "Systemic infection (fever, unwell)",
        "absolute",
        "Systemic infection: no needling until it has resolved [APTA-list]; the project treats "
        "it as absolute [project]. Update the precaution once the patient is well.",
    ),
    Precaution(
        "anticoagulants",
        "Anticoagulants",
        "relative",
        "Anticoagulants: relative contraindication; bruising and bleeding are more likely "
        "(bruising 7.6% and bleeding 4.7% of treatments overall [Brady]): apply firm pressure "
        "after each insertion [APTA-list]. Deep sites where pressure cannot stop bleeding are "
        "refused [AHPCSA-121].",
    ),
    Precaution(
        "bleeding_disorder",
        "Bleeding disorder",
        "relative",
        "Bleeding disorder: relative contraindication; apply firm pressure after each insertion "
        "and watch for bruising [APTA-list]. Deep sites where pressure cannot stop bleeding are "
        "refused [AHPCSA-121].",
    ),
    Precaution(
        "pregnancy",
        "Pregnant",
        "relative",
        "Pregnancy: relative contraindication; weigh the need for treatment and record the "
        "decision [APTA-list]. Abdominal and lumbosacral sites are refused [GEMt-pregnancy].",
    ),
    Precaution(
        "diabetes",
        "Diabetes",
        "relative",
        "Diabetes: relative contraindication; check skin integrity and sensation and keep "
        "strict asepsis [APTA-list].",
    ),
    Precaution(
        "immunocompromised",
        "Immunocompromised",
        "relative",
        "Immunocompromise: relative contraindication; infection risk, keep strict asepsis "
        "[APTA-list].",
    ),
    Precaution(
        "vascular_disease",
        "Vascular disease",
        "relative",
        "Vascular disease: relative contraindication; avoid sites over affected vessels and "
        "check skin and circulation before needling [APTA-list].",
    ),
    Precaution(
        "local_infection",
        "Local infection (skin or soft tissue)",
        "relative",
        "Local infection: never needle through or beside infected skin; confirm today's sites "
        "are clear of it [APTA-list].",
    ),
    Precaution(
        "recent_trauma_or_surgery",
        "Acute trauma or recent surgery",
        "relative",
        "Acute trauma, or surgery within the last 3-6 months: do not needle at or near that "
        "site [APTA-list]; confirm today's sites are away from it.",
    ),
    Precaution(
        "abnormal_needling_reaction",
        "Previous abnormal reaction to needling",
        "relative",
        "Previous abnormal reaction to needling (e.g. fainting, seizure, severe soreness): "
        "treat lying down, start with few insertions and stay with the patient [project]; "
        "fainting is among the reported adverse events [Boyce].",
    ),
    Precaution(
        "epilepsy",
        "Epilepsy",
        "relative",
        "Epilepsy: relative contraindication; treat lying down and stay with the patient "
        "[APTA-list].",
    ),
    Precaution(
        "metal_allergy",
        "Metal allergy",
        "relative",
        "Metal allergy: relative contraindication; check the needle alloy before use [APTA-list].",
    ),
    Precaution(
        "pacemaker_implant",
        "Pacemaker or implant",
        "relative",
        "Pacemaker or implant: do not needle over the device or implant and add no electrical "
        "stimulation [project].",
    ),
)

BY_CODE: dict[str, Precaution] = {p.code: p for p in PRECAUTIONS}
FLAG_CODES: tuple[str, ...] = tuple(BY_CODE)
ABSOLUTE_CODES: tuple[str, ...] = tuple(p.code for p in PRECAUTIONS if p.kind == "absolute")
RELATIVE_CODES: tuple[str, ...] = tuple(p.code for p in PRECAUTIONS if p.kind == "relative")

# Limbs, as the patient form records them. The axillary nodes drain the arm and the upper
# quadrant of the trunk on that side, the inguinal nodes the leg and the lower quadrant:
# superficial lymph of the trunk divides at the level of the umbilicus [Gray].
LIMB_SITES: dict[str, str] = {
    "left_upper": "Left arm",
    "right_upper": "Right arm",
    "left_lower": "Left leg",
    "right_lower": "Right leg",
}
NODES_OF_LIMB: dict[str, str] = {"upper": "axillary", "lower": "inguinal"}
QUADRANT_OF_NODES: dict[str, str] = {"axillary": "upper", "inguinal": "lower"}
NODES_REMOVED_SITES: dict[str, str] = {
    "left_upper": "Left axillary nodes (left arm and upper trunk)",
    "right_upper": "Right axillary nodes (right arm and upper trunk)",
    "left_lower": "Left inguinal nodes (left leg and lower trunk)",
    "right_lower": "Right inguinal nodes (right leg and lower trunk)",
}
# Kept for callers that still import the old name.
LYMPHEDEMA_SITES = LIMB_SITES

# The list fields of the table: field name -> (allowed values with labels, form legend).
LIMB_LIST_FIELDS: dict[str, tuple[dict[str, str], str]] = {
    "lymphedema_sites": (LIMB_SITES, "Lymphedema (no needling in these limbs)"),
    "lymph_nodes_removed": (
        NODES_REMOVED_SITES,
        "Lymph nodes removed (limb and trunk quadrant on that side are at risk)",
    ),
}

MINOR_AGE = 18  # below this, a parent's or guardian's consent is required [project]


def _limb_list(name: str, values: Iterable[str]) -> tuple[str, ...]:
    allowed = LIMB_LIST_FIELDS[name][0]
    result = tuple(dict.fromkeys(values))
    unknown = [value for value in result if value not in allowed]
    if unknown:
        raise ValueError(f"{name} must be among {', '.join(allowed)}, got {unknown}")
    return result


class Precautions:
    """A patient's needling precautions: the one type the session rules and the needling
    plan both read. Flags are the codes of ``PRECAUTIONS`` (``precautions.pregnancy``);
    the limb lists use the keys of ``LIMB_SITES``."""

    __slots__ = ("flags", "lymph_nodes_removed", "lymphedema_sites")

    flags: frozenset[str]
    lymphedema_sites: tuple[str, ...]
    lymph_nodes_removed: tuple[str, ...]

    def __init__(
        self,
        *,
        lymphedema_sites: Iterable[str] = (),
        lymph_nodes_removed: Iterable[str] = (),
        **flags: bool,
    ) -> None:
        unknown = sorted(set(flags) - set(BY_CODE))
        if unknown:
            raise ValueError(f"Unknown precautions {unknown}: use {', '.join(FLAG_CODES)}")
        object.__setattr__(self, "flags", frozenset(code for code, on in flags.items() if on))
        object.__setattr__(
            self, "lymphedema_sites", _limb_list("lymphedema_sites", lymphedema_sites)
        )
        object.__setattr__(
            self, "lymph_nodes_removed", _limb_list("lymph_nodes_removed", lymph_nodes_removed)
        )

    @classmethod
    def of(cls, record: Any) -> Precautions:
        """From anything with one attribute per table row (a Patient, an input schema)."""
        return cls(
            lymphedema_sites=getattr(record, "lymphedema_sites", None) or (),
            lymph_nodes_removed=getattr(record, "lymph_nodes_removed", None) or (),
            **{code: bool(getattr(record, code, False)) for code in FLAG_CODES},
        )

    def __getattr__(self, name: str) -> bool:
        if name in BY_CODE:
            return name in self.flags
        raise AttributeError(name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Precautions are immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Precautions):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Precautions(flags={sorted(self.flags)}, lymphedema_sites={self.lymphedema_sites}, "
            f"lymph_nodes_removed={self.lymph_nodes_removed})"
        )

    def _key(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        return self.flags, frozenset(self.lymphedema_sites), frozenset(self.lymph_nodes_removed)

    def relative(self) -> list[str]:
        return [code for code in RELATIVE_CODES if code in self.flags]

    def absolute(self) -> list[str]:
        return [code for code in ABSOLUTE_CODES if code in self.flags]

    def as_fields(self) -> Mapping[str, object]:
        """One value per model field: every flag and both limb lists."""
        return {
            **{code: code in self.flags for code in FLAG_CODES},
            "lymphedema_sites": list(self.lymphedema_sites),
            "lymph_nodes_removed": list(self.lymph_nodes_removed),
        }

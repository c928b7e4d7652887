"""Immutable knowledge-base records built from the data files."""

from __future__ import annotations

from dataclasses import dataclass

MUSCLE_REGIONS: tuple[str, ...] = (
    "head_neck",
    "shoulder_girdle",
    "arm",
    "forearm",
    "hand",
    "trunk",
    "paraspinal",
    "hip",
    "thigh",
    "leg",
    "foot",
)
LIMBS: tuple[str, ...] = ("upper", "lower")
# Regional lymph nodes a site drains to (lymphedema and node removal, rules.needling).
LYMPH_NODES: tuple[str, ...] = ("axillary", "inguinal")
NODES_OF_LIMB: dict[str, str] = {"upper": "axillary", "lower": "inguinal"}
# How far a row's innervation has been checked against a named reference (README.md).
STATUSES: tuple[str, ...] = ("verified", "disputed", "unverified")


@dataclass(frozen=True)
class RootSupply:
    level: str
    predominant: bool


@dataclass(frozen=True)
class RootConvention:
    """The other value of a disputed row, with the source that gives it."""

    roots: tuple[str, ...]
    predominant: tuple[str, ...]
    evidence: str


@dataclass(frozen=True)
class Muscle:
    id: str
    name: str
    synonyms: tuple[str, ...]
    region: str
    nerve: str
    roots: tuple[RootSupply, ...]
    chart_regions: tuple[str, ...]
    limb: str | None
    is_paraspinal: bool
    # A needle can reach lung or pleura: depth caution, and never both sides in a session.
    lung_risk: bool
    max_depth_mm: int | None
    safety_notes: tuple[str, ...]
    source: str
    status: str  # one of STATUSES
    # Innervation remarks (e.g. a minor root given in parentheses by the source);
    # kept apart from safety_notes so the plan does not repeat them as warnings.
    notes: tuple[str, ...] = ()
    noncompressible: bool = False  # deep: pressure cannot stop bleeding [AHPCSA-121]
    pregnancy_avoid: bool = False  # abdominal or lumbosacral site
    drains_to: tuple[str, ...] = ()  # regional lymph nodes (limb muscles: their limb's)
    isncsci_level: str | None = None  # the level this muscle is the ISNCSCI key muscle for
    evidence: tuple[str, ...] = ()  # what each cited reference gives for the roots
    alternative: RootConvention | None = None  # the other value of a disputed row
    status_note: str = ""  # why disputed or unverified; the convention chosen

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    @property
    def root_levels(self) -> tuple[str, ...]:
        return tuple(root.level for root in self.roots)

    @property
    def predominant_levels(self) -> tuple[str, ...]:
        return tuple(root.level for root in self.roots if root.predominant)

    def supplied_by(self, level: str) -> RootSupply | None:
        for root in self.roots:
            if root.level == level:
                return root
        return None


@dataclass(frozen=True)
class ParaspinalSite:
    """Where to needle the paraspinals for one segment (Gunn: the level of the root)."""

    level: str
    muscle_id: str
    landmark: str
    lung_risk: bool
    safety_notes: tuple[str, ...]
    drains_to: tuple[str, ...] = ()
    pregnancy_avoid: bool = False


@dataclass(frozen=True)
class Dermatome:
    level: str
    area: str
    key_sensory_point: str
    chart_regions: tuple[str, ...]
    source: str
    verified: bool


@dataclass(frozen=True)
class Condition:
    code: str  # ICD-10 (WHO)
    name: str
    typical_segments: tuple[str, ...]
    muscles: tuple[str, ...]  # muscle ids usually examined
    source: str
    verified: bool
    notes: tuple[str, ...] = ()

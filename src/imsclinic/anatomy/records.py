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


@dataclass(frozen=True)
class RootSupply:
    level: str
    predominant: bool


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
    lung_risk: bool
    thorax: bool
    max_depth_mm: int | None
    safety_notes: tuple[str, ...]
    source: str
    verified: bool
    # Innervation remarks (e.g. a minor root given in parentheses by the source);
    # kept apart from safety_notes so the plan does not repeat them as warnings.
    notes: tuple[str, ...] = ()

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
    thorax: bool
    safety_notes: tuple[str, ...]


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

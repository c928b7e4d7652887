"""Framework-free anatomy knowledge base for Gunn IMS.

Muscles with their roots, body-chart regions and needling safety; paraspinal sites,
dermatomes and conditions; segmental inference and needling plans. No Django here:
the web app imports this package, never the other way round.
"""

from __future__ import annotations

from .catalog import (
    AmbiguousName,
    Catalog,
    LevelRequired,
    UnknownCondition,
    UnknownMuscle,
    get_catalog,
    load_catalog,
)
from .chart import BACK_REGIONS, CHART_REGIONS, FRONT_REGIONS
from .inference import (
    DermatomalPain,
    Evidence,
    Finding,
    InferenceResult,
    LevelScore,
    NeuropathySign,
    ParaspinalFinding,
    infer_levels,
)
from .levels import LEVELS, PARASPINAL_LEVELS, SIDES, Side
from .plan import NeedlingPlan, PatientPrecautions, PlanSite, build_plan
from .records import (
    LIMBS,
    MUSCLE_REGIONS,
    Condition,
    Dermatome,
    Muscle,
    ParaspinalSite,
    RootConvention,
    RootSupply,
)
from .schema import CatalogDataError

__all__ = [
    "BACK_REGIONS",
    "CHART_REGIONS",
    "FRONT_REGIONS",
    "LEVELS",
    "LIMBS",
    "MUSCLE_REGIONS",
    "PARASPINAL_LEVELS",
    "SIDES",
    "AmbiguousName",
    "Catalog",
    "CatalogDataError",
    "Condition",
    "DermatomalPain",
    "Dermatome",
    "Evidence",
    "Finding",
    "InferenceResult",
    "LevelRequired",
    "LevelScore",
    "Muscle",
    "NeedlingPlan",
    "NeuropathySign",
    "ParaspinalFinding",
    "ParaspinalSite",
    "PatientPrecautions",
    "PlanSite",
    "RootConvention",
    "RootSupply",
    "Side",
    "UnknownCondition",
    "UnknownMuscle",
    "build_plan",
    "get_catalog",
    "infer_levels",
    "load_catalog",
]

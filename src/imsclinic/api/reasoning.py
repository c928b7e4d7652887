"""API routes for the anatomy catalog, segmental inference and needling plans."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from imsclinic.anatomy import get_catalog
from imsclinic.anatomy.inference import DermatomalPain
from imsclinic.api.auth import api_actor
from imsclinic.api.errors import errors
from imsclinic.charting import reasoning
from imsclinic.charting.schemas import FindingIn, SideIn, SignIn
from imsclinic.charting.selectors import assessment_get
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.core.input_checks import RowId
from imsclinic.patients.selectors import patient_get

router = Router(tags=["reasoning"])


class RootOut(Schema):
    level: str
    predominant: bool


class MuscleOut(Schema):
    id: str
    name: str
    synonyms: list[str]
    region: str
    nerve: str
    roots: list[RootOut]
    chart_regions: list[str]
    limb: str | None
    is_paraspinal: bool
    lung_risk: bool
    max_depth_mm: int | None
    noncompressible: bool = Field(description="Deep: refused on anticoagulants")
    pregnancy_avoid: bool = Field(description="Abdominal or lumbosacral: refused in pregnancy")
    isncsci_level: str | None
    safety_notes: list[str]
    source: str
    verified: bool
    status: str = Field(description="verified, disputed or unverified (anatomy/README.md)")
    evidence: list[str]
    status_note: str


class DermatomalIn(Schema):
    level: str
    side: SideIn


class InferIn(Schema):
    findings: list[FindingIn] = Field(default_factory=list, max_length=200)
    dermatomal: list[DermatomalIn] = Field(default_factory=list, max_length=60)
    signs: list[SignIn] = Field(
        default_factory=list,
        max_length=120,
        description="Gunn's signs of neuropathy by body-chart region: segmental evidence "
        "for the dermatomes of the region",
    )


class EvidenceLevelOut(Schema):
    level: str
    side: str
    score: float
    coverage: int = Field(description="Abnormal muscles and paraspinal levels it explains")
    total: int = Field(description="Abnormal muscles and paraspinal levels on this side")
    supporting: list[str] = Field(description="Ranking reasons first, then the evidence")
    against: list[str]


class InferOut(Schema):
    clear: bool
    message: str
    notes: list[str]
    levels: list[EvidenceLevelOut]


class PlanIn(Schema):
    assessment_id: RowId | None = Field(
        default=None, description="Plan from a charted assessment's findings"
    )
    findings: list[FindingIn] = Field(
        default_factory=list, max_length=200, description="Or plan from findings given here"
    )
    signs: list[SignIn] = Field(
        default_factory=list, max_length=120, description="With findings: Gunn's signs"
    )


class PlanSiteOut(Schema):
    muscle_id: str
    muscle: str
    side: str
    level: str | None
    reason: str
    safety_notes: list[str]
    blocked: bool
    block_reason: str | None


class PlanLevelOut(Schema):
    level: str
    side: str
    score: float


class PlanOut(Schema):
    inference: InferOut
    blocked: bool
    blocks: list[str]
    warnings: list[str]
    levels: list[PlanLevelOut]
    sites: list[PlanSiteOut]


def _check_rows(rows: list[FindingIn], prefix: str = "findings") -> list[FindingIn]:
    # Sides, sign regions and kinds are checked by the schemas (charting/vocabulary.py).
    problems = Problems()
    for index, row in enumerate(rows):
        reasoning.resolve_muscle(problems, f"{prefix}.{index}", row.muscle, row.level)
    problems.raise_if_any()
    return list(rows)


@router.get("/muscles", response={200: list[MuscleOut], **errors()})
def list_muscles(request: HttpRequest, q: str = "", limit: int = 20) -> Any:
    catalog = get_catalog()
    limit = max(1, min(limit, 200))
    muscles = catalog.search(q, limit=limit) if q.strip() else list(catalog.muscles[:limit])
    return [
        {
            **{
                k: getattr(m, k)
                for k in (
                    "id",
                    "name",
                    "region",
                    "nerve",
                    "limb",
                    "is_paraspinal",
                    "lung_risk",
                    "max_depth_mm",
                    "noncompressible",
                    "pregnancy_avoid",
                    "isncsci_level",
                    "source",
                    "verified",
                    "status",
                    "status_note",
                )
            },
            "evidence": list(m.evidence),
            "synonyms": list(m.synonyms),
            "chart_regions": list(m.chart_regions),
            "safety_notes": list(m.safety_notes),
            "roots": [{"level": r.level, "predominant": r.predominant} for r in m.roots],
        }
        for m in muscles
    ]


@router.post("/segments/infer", response={200: InferOut, **errors(body=True)})
def infer_segments(request: HttpRequest, payload: InferIn) -> Any:
    rows = _check_rows(payload.findings)
    problems = Problems()
    dermatomal = []
    for index, item in enumerate(payload.dermatomal):
        if item.level not in get_catalog().dermatomes:
            problems.add(f"dermatomal.{index}.level", "invalid", "Give a dermatome level, e.g. L5.")
        else:
            dermatomal.append(DermatomalPain(level=item.level, side=item.side))
    problems.raise_if_any()
    result, _findings, skipped = reasoning.infer(rows, dermatomal, payload.signs)
    return reasoning.result_dict(result, skipped)


@router.post(
    "/patients/{patient_id}/plans", response={200: PlanOut, **errors(record=True, body=True)}
)
def plan_for_patient(request: HttpRequest, patient_id: int, payload: PlanIn) -> Any:
    actor = api_actor(request)
    patient = patient_get(actor=actor, patient_id=patient_id)
    if payload.assessment_id is not None:
        assessment = assessment_get(actor=actor, assessment_id=payload.assessment_id)
        if assessment.patient_id != patient.pk:
            problems = Problems()
            problems.add(
                "assessment_id", "other_patient", "That assessment belongs to another patient."
            )
            problems.raise_if_any()
        rows = reasoning.rows_of_assessment(assessment)
        signs = reasoning.signs_of_assessment(assessment)
    else:
        rows = _check_rows(payload.findings)
        signs = list(payload.signs)
    result, plan, skipped = reasoning.plan_for(patient, rows, signs)
    audit_record(
        actor=actor,
        action="view",
        patient_id=patient.pk,
        object_type="NeedlingPlan",
        detail=f"plan with {len(plan.sites)} sites",
    )
    return {"inference": reasoning.result_dict(result, skipped), **reasoning.plan_dict(plan)}

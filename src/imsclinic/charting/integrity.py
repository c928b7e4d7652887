"""Canonical content of a signed note and its hash, to detect any later change."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from imsclinic.charting.models import Assessment, TreatmentSession


def session_content(session: TreatmentSession | Any) -> dict[str, Any]:
    """A session's signed content; ``session`` is a model instance or anything with the
    same attributes (the chart's SessionRow, the bulk generator's rows)."""
    return {
        "kind": "session",
        "id": session.pk,
        "patient": session.patient_id,
        "episode": session.episode_id,
        "practitioner": session.practitioner_id,
        "date": session.session_date.isoformat(),
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "notes": session.notes,
        "acknowledged": sorted(session.acknowledged or []),
        "insertions": [
            [
                i.position,
                i.muscle_id,
                i.side,
                i.level,
                str(i.needle_diameter_mm),
                i.needle_length_mm,
                i.needle_lot,
                i.twitch,
                i.sensation,
                i.notes,
            ]
            for i in sorted(session.insertions.all(), key=lambda i: i.position)
        ],
        "rom": [
            [r.phase, r.movement, r.side, r.degrees]
            for r in sorted(session.rom.all(), key=lambda r: r.pk)
        ],
        "adverse_events": [
            [a.kind, a.severity, a.description, a.action_taken]
            for a in sorted(session.adverse_events.all(), key=lambda a: a.pk)
        ],
    }


def assessment_content(assessment: Assessment) -> dict[str, Any]:
    return {
        "kind": "assessment",
        "id": assessment.pk,
        "patient": assessment.patient_id,
        "episode": assessment.episode_id,
        "practitioner": assessment.practitioner_id,
        "date": assessment.assessed_on.isoformat(),
        "history": assessment.history,
        "pain_now": assessment.pain_now,
        "pain_locations": assessment.pain_locations,
        "notes": assessment.notes,
        "findings": [
            [
                f.position,
                f.muscle_id,
                f.side,
                f.level,
                f.taut_band,
                f.tender_motor_point,
                f.shortened,
                f.local_twitch,
                f.normal,
                f.notes,
            ]
            for f in sorted(assessment.findings.all(), key=lambda f: f.position)
        ],
        "signs": sorted([s.region, s.side, s.kind] for s in assessment.signs.all()),
        "rom": [
            [r.phase, r.movement, r.side, r.degrees]
            for r in sorted(assessment.rom.all(), key=lambda r: r.pk)
        ],
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def session_intact(session: TreatmentSession) -> bool:
    return not session.is_signed or content_hash(session_content(session)) == session.content_hash


def assessment_intact(assessment: Assessment) -> bool:
    return (
        not assessment.is_signed
        or content_hash(assessment_content(assessment)) == assessment.content_hash
    )

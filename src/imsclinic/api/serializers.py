"""Model -> API dict conversion, kept out of the route functions."""

from __future__ import annotations

from typing import Any

from imsclinic.charting.integrity import check_note
from imsclinic.charting.models import Amendment, Assessment, TreatmentSession
from imsclinic.charting.selectors import Chart


def integrity_dict(record: Any) -> dict[str, Any]:
    """The integrity check of a note or amendment (charting/integrity.py) as the API shows it."""
    found = getattr(record, "integrity", None)
    if found is None:  # a note read without its check: check it now (one query)
        check_note(record)
        found = record.integrity
    return {"integrity": found.state, "integrity_problem": found.problem}


def amendment_dict(amendment: Amendment) -> dict[str, Any]:
    return {
        "id": amendment.pk,
        "created_at": amendment.created_at,
        "author": amendment.author.display_name,
        "text": amendment.text,
        "reason": amendment.reason,
        **integrity_dict(amendment),
    }


def _rom(rows: Any) -> list[dict[str, Any]]:
    return [
        {"phase": r.phase, "movement": r.movement, "side": r.side, "degrees": r.degrees}
        for r in rows
    ]


def session_dict(session: TreatmentSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "patient_id": session.patient_id,
        "episode_id": session.episode_id,
        "sequence": session.sequence,
        "session_date": session.session_date,
        "practitioner": session.practitioner.display_name,
        "pain_before": session.pain_before,
        "pain_after": session.pain_after,
        "insertions": [
            {
                "position": i.position,
                "muscle_id": i.muscle_id,
                "side": i.side,
                "level": i.level,
                "needle_diameter_mm": i.needle_diameter_mm,
                "needle_length_mm": i.needle_length_mm,
                "needle_lot": i.needle_lot,
                "twitch": i.twitch,
                "sensation": i.sensation,
                "notes": i.notes,
            }
            for i in session.insertions.all()
        ],
        "rom": _rom(session.rom.all()),
        "adverse_events": [
            {
                "kind": a.kind,
                "severity": a.severity,
                "description": a.description,
                "action_taken": a.action_taken,
            }
            for a in session.adverse_events.all()
        ],
        "notes": session.notes,
        "acknowledged": list(session.acknowledged or []),
        "signed_at": session.signed_at,
        "content_hash": session.content_hash,
        **integrity_dict(session),
        "charted_at": session.created_at,
        "late_entry_days": session.days_late,
        "amendments": [amendment_dict(a) for a in session.amendments.all()],
    }


def assessment_dict(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "episode_id": assessment.episode_id,
        "assessed_on": assessment.assessed_on,
        "practitioner": assessment.practitioner.display_name,
        "history": assessment.history,
        "pain_now": assessment.pain_now,
        "pain_locations": assessment.pain_locations,
        "findings": [
            {
                "muscle_id": f.muscle_id,
                "side": f.side,
                "level": f.level,
                "taut_band": f.taut_band,
                "tender_motor_point": f.tender_motor_point,
                "shortened": f.shortened,
                "local_twitch": f.local_twitch,
                "normal": f.normal,
                "notes": f.notes,
            }
            for f in assessment.findings.all()
        ],
        "signs": [
            {"region": s.region, "side": s.side, "kind": s.kind} for s in assessment.signs.all()
        ],
        "rom": _rom(assessment.rom.all()),
        "notes": assessment.notes,
        "signed_at": assessment.signed_at,
        **integrity_dict(assessment),
        "charted_at": assessment.created_at,
        "late_entry_days": assessment.days_late,
        "amendments": [amendment_dict(a) for a in assessment.amendments.all()],
    }


def chart_dict(chart: Chart) -> dict[str, Any]:
    current = chart.current_consent()
    return {
        "patient": chart.patient,
        "consents": chart.consents,
        "current_consent_id": current.pk if current else None,
        "episodes": chart.episodes,
        "assessments": [assessment_dict(a) for a in chart.assessments],
        "sessions": [session_dict(s) for s in chart.sessions],
        "pain_series": [
            {"session_date": d, "pain_before": b, "pain_after": a, "sequence": n}
            for d, b, a, n in chart.pain_series()
        ],
    }

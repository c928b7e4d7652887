"""Write routes return what the action wrote, without reading it back: the body of every
write equals what a read of the same note returns afterwards, field for field."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from imsclinic.core.models import AuditEvent
from tests.factories import insertion, today


def _session_body(episode_id, **overrides):
    body = {
        "episode_id": episode_id,
        "session_date": str(today()),
        "pain_before": 7,
        "pain_after": 4,
        "notes": "  café  ",
        "acknowledged": ["zeta", "alpha", "alpha"],
        "insertions": [
            insertion("lumbar_paraspinals", "left", "l5"),
            insertion("Gluteus medius", "left"),
            {
                "muscle": "piriformis",
                "side": "right",
                "needle_lot": " LOT-9 ",
                "twitch": "weak",
                "needle_diameter_mm": "0.3",
                "needle_length_mm": 50,
                "sensation": "ache",
                "notes": "x",
            },
        ],
        "rom": [
            {"movement": "lumbar_flexion", "degrees": 43.6},
            {"movement": "hip_flexion", "side": "left", "phase": "before", "degrees": 90},
        ],
        "adverse_events": [
            {"kind": "bruising", "severity": "mild", "description": " small "},
            {"kind": "soreness", "severity": "significant", "action_taken": " ice "},
        ],
    }
    body.update(overrides)
    return body


def test_session_writes_return_what_a_read_returns(api, patient, episode):
    created = api.post(f"/patients/{patient.pk}/sessions", _session_body(episode.pk))
    assert created.status_code == 201, created.content
    session_id = created.json()["id"]
    assert created.json() == api.get(f"/sessions/{session_id}").json()
    body = created.json()
    assert [i["needle_diameter_mm"] for i in body["insertions"]] == ["0.25", "0.25", "0.30"]
    assert [i["level"] for i in body["insertions"]] == ["L5", "", ""]
    assert body["acknowledged"] == ["alpha", "zeta"]
    assert [r["degrees"] for r in body["rom"]] == [44, 90]

    updated = api.put(
        f"/sessions/{session_id}",
        _session_body(episode.pk, pain_before=5, insertions=[insertion("gluteus_medius", "right")]),
    )
    assert updated.status_code == 200, updated.content
    assert updated.json() == api.get(f"/sessions/{session_id}").json()

    signed = api.post(f"/sessions/{session_id}/sign")
    assert signed.status_code == 200, signed.content
    assert signed.json()["signed_at"] and len(signed.json()["content_hash"]) == 64
    assert signed.json() == api.get(f"/sessions/{session_id}").json()

    for text in ("Lot was LOT-2", "And the side was right"):
        amended = api.post(f"/sessions/{session_id}/amendments", {"text": text, "reason": "Typo"})
        assert amended.status_code == 201, amended.content
        assert amended.json() == api.get(f"/sessions/{session_id}").json()
    assert [a["text"] for a in amended.json()["amendments"]] == [
        "Lot was LOT-2",
        "And the side was right",
    ]


def test_assessment_writes_return_what_a_read_returns(api, patient, episode):
    created = api.post(
        f"/patients/{patient.pk}/assessments",
        {
            "episode_id": episode.pk,
            "assessed_on": str(today()),
            "pain_now": 6,
            "findings": [
                {"muscle": "peroneus longus", "side": "left", "taut_band": True},
                {"muscle": "lumbar_paraspinals", "side": "right", "level": "l5", "normal": True},
            ],
            "signs": [
                {"region": "lower_back", "side": "right", "kind": "pilomotor"},
                {"region": "lower_back", "side": "left", "kind": "pilomotor"},
            ],
            "rom": [{"movement": "lumbar_flexion", "degrees": 40}],
        },
    )
    assert created.status_code == 201, created.content
    assessment_id = created.json()["id"]
    chart = api.get(f"/patients/{patient.pk}/chart").json()
    [read] = [a for a in chart["assessments"] if a["id"] == assessment_id]
    assert created.json() == read

    signed = api.post(f"/assessments/{assessment_id}/sign")
    amended = api.post(f"/assessments/{assessment_id}/amendments", {"text": "t", "reason": "r"})
    assert (signed.status_code, amended.status_code) == (200, 201)
    [read] = api.get(f"/patients/{patient.pk}/chart").json()["assessments"]
    assert amended.json() == read
    assert {**signed.json(), "amendments": read["amendments"]} == read


def test_recording_a_session_reads_nothing_back(api, patient, episode):
    with CaptureQueriesContext(connection) as captured:
        response = api.post(f"/patients/{patient.pk}/sessions", _session_body(episode.pk))
    assert response.status_code == 201
    reads = [
        q["sql"]
        for q in captured
        if q["sql"].lstrip().upper().startswith("SELECT") and "charting_insertion" in q["sql"]
    ]
    assert reads == []


def test_each_read_route_audits_one_view_and_writes_audit_none(api, patient, episode):
    session_id = api.post(f"/patients/{patient.pk}/sessions", _session_body(episode.pk)).json()[
        "id"
    ]
    for path, object_type in (
        (f"/patients/{patient.pk}", "Patient"),
        (f"/patients/{patient.pk}/chart", "Patient"),
        (f"/sessions/{session_id}", "TreatmentSession"),
    ):
        before = AuditEvent.objects.count()
        assert api.get(path).status_code == 200
        events = list(AuditEvent.objects.order_by("id")[before:])
        assert [(e.action, e.object_type, e.patient_id) for e in events] == [
            ("view", object_type, patient.pk)
        ], path
    before = AuditEvent.objects.count()
    api.post(f"/sessions/{session_id}/sign")
    # Signing writes its own event, and billing's proposal of the visit's charge (a row
    # of its own, charting.events.session_signed); no view event.
    events = AuditEvent.objects.order_by("id")[before:]
    assert [(e.action, e.object_type) for e in events] == [
        ("sign", "TreatmentSession"),
        ("create", "VisitCharge"),
    ]

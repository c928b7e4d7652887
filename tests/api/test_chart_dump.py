"""The chart route dumps its notes as rows (api/schemas.row_dumper) instead of validating
them into models (issue 18): its bytes must be those of the validated path, for a chart
holding every kind of value a note can carry."""

from __future__ import annotations

import datetime as dt

import pytest
from ninja.renderers import JSONRenderer
from pydantic import field_validator

from imsclinic.api.schemas import ChartOut, RowOut, row_dumper
from imsclinic.charting import actions as charting
from imsclinic.charting import selectors
from imsclinic.charting.schemas import (
    AdverseEventIn,
    AmendmentIn,
    AssessmentIn,
    FindingIn,
    PainMarkIn,
    RomIn,
)
from tests.factories import insertion, make_session, today
from tests.security.test_note_seals import _swap_lot


def _validated_bytes(chart) -> bytes:
    """What ninja rendered before: ChartOut validated from the chart, dumped, encoded."""
    validated = ChartOut.model_validate(chart).model_dump()
    return JSONRenderer().render(None, validated, response_status=200).encode()


@pytest.fixture
def full_chart(actor, patient, episode):
    assessment = charting.assessment_record(
        actor=actor,
        patient=patient,
        data=AssessmentIn(
            episode_id=episode.pk,
            assessed_on=today() - dt.timedelta(days=3),
            pain_now=7,
            history="Chute dans l'escalier — ça fait mal",
            pain_locations=[PainMarkIn(region="lower_back", side="left")],
            findings=[FindingIn(muscle="gluteus_medius", side="left", taut_band=True)],
            rom=[RomIn(movement="lumbar_flexion", degrees=40)],
        ),
    )
    assessment = charting.assessment_sign(actor=actor, assessment=assessment)
    charting.amendment_add(
        actor=actor, note=assessment, data=AmendmentIn(text="Pain was 6.", reason="typo")
    )
    sessions = [
        make_session(
            actor,
            patient,
            episode,
            session_date=today() - dt.timedelta(days=2 - n),
            pain_before=7 - n,
            pain_after=None if n == 2 else 3,
            notes='Ñúñez: "quoted" <b>&</b> \u2028',
            acknowledged=["anticoagulants"],
            insertions=[
                insertion("lumbar_paraspinals", "left", "L5", needle_diameter_mm="0.3"),
                insertion("piriformis", "right", notes="twitch x2 \u00e9"),
            ],
            rom=[{"movement": "lumbar_flexion", "phase": "after", "degrees": 50}],
            adverse_events=[
                AdverseEventIn(kind="bruising", severity="mild", description="Petit bleu")
            ]
            if n == 0
            else [],
        )
        for n in range(3)
    ]
    signed = [charting.session_sign(actor=actor, session=s) for s in sessions[:2]]
    charting.amendment_add(
        actor=actor, note=signed[0], data=AmendmentIn(text="Lot was LOT-2.", reason="typo")
    )
    _swap_lot(signed[1])  # an altered note: its integrity problem is dumped too
    return patient


def test_chart_route_bytes_are_the_validated_bytes(api, actor, full_chart):
    response = api.get(f"/patients/{full_chart.pk}/chart")
    assert response.status_code == 200, response.content
    chart = selectors.patient_chart(actor=actor, patient_id=full_chart.pk)
    assert response.content == _validated_bytes(chart)
    body = response.json()
    assert [s["integrity"] for s in body["sessions"]] == ["draft", "altered", "intact"]
    assert body["assessments"][0]["amendments"][0]["integrity"] == "intact"
    assert body["sessions"][2]["insertions"][0]["needle_diameter_mm"] == "0.30"


def test_a_schema_the_dumper_cannot_follow_is_refused():
    class Shouting(RowOut):
        text: str

        @field_validator("text")
        @classmethod
        def _upper(cls, value: str) -> str:
            return value.upper()

    with pytest.raises(TypeError, match="validators"):
        row_dumper(Shouting)

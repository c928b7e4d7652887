"""API routes for outcome measures: the catalogue, scoring a form, and a patient's
questionnaire link."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from imsclinic.api.auth import CLINICAL_TOKEN, api_actor
from imsclinic.api.errors import errors
from imsclinic.core.errors import NotFound
from imsclinic.measures import MEASURES, Measure
from imsclinic.outcomes import actions, selectors
from imsclinic.outcomes.actions import score_answers
from imsclinic.outcomes.schemas import LinkIn, LinkOut, MeasureOut, ScoreIn, ScoreOut

router = Router(tags=["outcomes"])


def _measure(code: str) -> Measure:
    measure = MEASURES.get(code.lower())
    if measure is None:
        raise NotFound(f"Unknown outcome measure '{code}'; known measures: {', '.join(MEASURES)}.")
    return measure


def _band(band: Any) -> dict[str, Any] | None:
    return None if band is None else {"low": band.low, "high": band.high, "label": band.label}


def measure_dict(measure: Measure) -> dict[str, Any]:
    return {
        "code": measure.code,
        "name": measure.name,
        "abbreviation": measure.abbreviation,
        "item_count": measure.describe_item_count(),
        "item_min": measure.item_min,
        "item_max": measure.item_max,
        "higher_is_better": measure.higher_is_better,
        "score_min": measure.score_min,
        "score_max": measure.score_max,
        "unit": measure.unit,
        "mcid": measure.mcid,
        "mcid_source": measure.mcid_source,
        "bands": [_band(b) for b in measure.bands],
        "bands_source": measure.bands_source,
        "scoring_source": measure.scoring_source,
        "missing_rule_source": measure.missing_rule_source,
        "min_answered": measure.min_answered,
        "section_labels": list(measure.section_labels),
        "item_wording_shippable": measure.licence.item_wording_shippable,
        "licence_note": measure.licence.note,
    }


@router.get("/measures", response={200: list[MeasureOut], **errors()})
def list_measures(request: HttpRequest) -> Any:
    """Every measure with its MCID, severity bands and the publications they come from."""
    return [measure_dict(m) for m in MEASURES.values()]


@router.post("/measures/{code}/score", response={200: ScoreOut, **errors(record=True, body=True)})
def score_measure(request: HttpRequest, code: str, payload: ScoreIn) -> Any:
    """Score one form: ``items`` in form order, ``null`` for an unanswered item. A bad
    answer is a 422 naming the item by its 1-based number on the form (``items.3``)."""
    measure = _measure(code)
    result = score_answers(measure.code, payload.items)
    return {
        "measure": result.measure,
        "score": result.score,
        "raw": result.raw,
        "interpretation": result.interpretation,
        "answered": result.answered,
        "missing": result.missing,
        "prorated": result.prorated,
        "band": _band(result.band),
        "percent": result.percent,
        "mcid": measure.mcid,
        "higher_is_better": measure.higher_is_better,
    }


@router.post(
    "/episodes/{episode_id}/questionnaire-links",
    response={201: LinkOut, **errors(record=True, body=True)},
    auth=CLINICAL_TOKEN,
)
def create_questionnaire_link(request: HttpRequest, episode_id: int, payload: LinkIn) -> Any:
    """A single-use questionnaire link for the episode's patient (the same action as the
    progress page's "Create link"); ``url`` carries the token and is in this response only.

    422 ``wording_missing`` on ``measure_code``: the clinic has no wording a patient can
    answer for that measure (the ODI, NDI, QuickDASH and LEFS need the clinic's licensed
    wording, uploaded in Clinic settings > Questionnaire wording; the NPRS and PSFS are
    always available), so no link is made. 422 ``episode_closed`` for a closed episode,
    ``out_of_range`` for ``expires_in_days`` outside 1-30."""
    actor = api_actor(request)
    episode = selectors.episode_for_outcomes(actor=actor, episode_id=episode_id)
    issued = actions.link_create(actor=actor, episode=episode, data=payload)
    url = request.build_absolute_uri(reverse("questionnaire_link", args=[issued.token]))
    link = issued.link
    return Status(
        201,
        {
            "id": link.pk,
            "measure_code": link.measure_code,
            "expires_at": link.expires_at,
            "url": url,
        },
    )

"""Builders for outcome tests: a course of sessions with a given pain series, and
questionnaire responses through the real actions. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from imsclinic.charting.models import TreatmentSession
from imsclinic.outcomes import actions
from imsclinic.outcomes.models import QuestionnaireResponse
from imsclinic.outcomes.schemas import ResponseIn
from tests.factories import insertion, make_session, today


def course(
    actor,
    patient,
    episode,
    pains: list[tuple[int, int | None]],
    *,
    twitch: str = "strong",
    adverse: dict[int, list[dict[str, Any]]] | None = None,
) -> list[TreatmentSession]:
    """One session per (pain before, pain after), two days apart, ending today."""
    sessions = []
    for index, (before, after) in enumerate(pains):
        day = today() - dt.timedelta(days=2 * (len(pains) - 1 - index))
        sessions.append(
            make_session(
                actor,
                patient,
                episode,
                session_date=day,
                pain_before=before,
                pain_after=after,
                insertions=[
                    insertion("lumbar_paraspinals", "left", "L5", twitch=twitch),
                    insertion("gluteus_medius", "left", twitch="none"),
                ],
                adverse_events=(adverse or {}).get(index, []),
            )
        )
    return sessions


def respond(
    actor, episode, code: str, items: list[Any], *, days_ago: int = 0, sessions: int | None = None
) -> QuestionnaireResponse:
    """Record a response, then move it back in time (responses are stamped 'now')."""
    response = actions.response_record(
        actor=actor, episode=episode, data=ResponseIn(measure_code=code, items=items)
    )
    updates: dict[str, Any] = {"answered_at": timezone.now() - dt.timedelta(days=days_ago)}
    if sessions is not None:
        updates["sessions_completed"] = sessions
    QuestionnaireResponse.objects.filter(pk=response.pk).update(**updates)
    response.refresh_from_db()
    return response


def odi(total: int) -> list[int]:
    """Ten ODI answers summing to ``total`` (index = total x 2 %)."""
    answers = [0] * 10
    for i in range(total):
        answers[i % 10] += 1
    return answers


def give_wording(clinic: Any, code: str) -> list[str]:
    """Upload synthetic item wording for ``code`` (test text, not any instrument's), as a
    clinic admin does in Clinic settings > Questionnaire wording."""
    import json

    from imsclinic.measures import MEASURES
    from tests.factories import make_actor, make_user

    measure = MEASURES[code]
    items = [
        f"Synthetic {measure.abbreviation} question {n} (test wording)"
        for n in range(1, int(measure.item_count) + 1)  # type: ignore[arg-type]
    ]
    from imsclinic.accounts.models import User

    username = f"wording.admin.{clinic.pk}"
    admin = User.objects.filter(username=username).first() or make_user(clinic, username, "admin")
    actions.measure_wording_set(
        actor=make_actor(admin), measure_code=code, text=json.dumps({"items": items})
    )
    return items

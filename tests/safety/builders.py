"""Safety test data, built through the real actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from imsclinic.charting import actions as charting
from imsclinic.core.actors import Actor
from imsclinic.safety import actions
from imsclinic.safety.schemas import NeedleLotIn
from tests.factories import insertion, make_session, today

SERIOUS_EVENT = {
    "kind": "pneumothorax",
    "severity": "serious",
    "description": "Short of breath 20 minutes after thoracic paraspinal needling",
    "action_taken": "Ambulance called; sent to emergency",
}
SIGNIFICANT_EVENT = {
    "kind": "vasovagal",
    "severity": "significant",
    "description": "Fainted, grazed forehead",
    "action_taken": "Lay down, observed 30 min",
}


def serious_session(
    actor: Actor, patient, episode, *, days_ago: int = 1, sign: bool = True, **extra: Any
):
    """A session with a serious adverse event, dated ``days_ago`` (its follow-up is due the
    day after), signed unless asked not to."""
    session = make_session(
        actor,
        patient,
        episode,
        session_date=today() - dt.timedelta(days=days_ago),
        adverse_events=[SERIOUS_EVENT],
        **extra,
    )
    return charting.session_sign(actor=actor, session=session) if sign else session


def lot_session(actor: Actor, patient, episode, lots: list[str], *, days_ago: int = 0):
    return make_session(
        actor,
        patient,
        episode,
        session_date=today() - dt.timedelta(days=days_ago),
        insertions=[insertion("gluteus_medius", "left", needle_lot=lot) for lot in lots],
    )


def receive(actor: Actor, lot: str = "LOT-2026-11", **overrides: Any):
    values: dict[str, Any] = {
        "manufacturer": "Synthetic Needle Co",
        "lot": lot,
        "needle_diameter_mm": "0.25",
        "needle_length_mm": 40,
        "expires_on": today() + dt.timedelta(days=365),
        "quantity": 100,
        "received_on": today() - dt.timedelta(days=10),
    }
    values.update(overrides)
    return actions.needle_lot_receive(actor=actor, data=NeedleLotIn(**values))


def safety_records(author: Actor) -> dict[str, Any]:
    """For the permission matrix: a signed session of ``author`` with a serious adverse
    event, so its follow-up, admin notification and incident report exist."""
    from imsclinic.accounts.models import User
    from imsclinic.safety.models import AdminNotification, FollowUp
    from tests.factories import make_actor, make_consented_patient, make_episode, make_user

    patient = make_consented_patient(author)
    session = serious_session(author, patient, make_episode(author, patient))
    admin = User.objects.filter(clinic=author.clinic, role="admin").first() or make_user(
        author.clinic, f"{author.clinic.slug}.safety-admin", "admin"
    )
    report = actions.incident_start(actor=make_actor(admin), session=session)
    return {
        "followup": FollowUp.objects.get(session=session),
        "report": report,
        "notification": AdminNotification.objects.get(session=session),
        "serious_session": session,
    }

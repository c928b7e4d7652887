"""The demo clinic's safety records, written through the actions: needle deliveries (one
expired), last month's serious adverse event followed up and reported, and yesterday's,
whose follow-up is due today on the practitioner's Today page. All synthetic."""

from __future__ import annotations

import datetime as dt

from imsclinic.accounts.models import User
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import AdverseEventIn, EpisodeIn, InsertionIn, SessionIn
from imsclinic.core.actors import Actor
from imsclinic.patients import actions as patients
from imsclinic.patients.schemas import ConsentIn, PatientIn
from imsclinic.rules.ranges import DEFAULT_NEEDLE_DIAMETER_MM, DEFAULT_NEEDLE_LENGTH_MM
from imsclinic.safety import actions
from imsclinic.safety.models import FollowUp
from imsclinic.safety.schemas import FollowUpDoneIn, IncidentReportIn, NeedleLotIn

CURRENT_LOT = "LOT-2026-12B"


def _session(actor: Actor, patient, episode, day: dt.date, event: AdverseEventIn):
    session = charting.session_record(
        actor=actor,
        patient=patient,
        data=SessionIn(
            episode_id=episode.pk,
            session_date=day,
            pain_before=6,
            pain_after=4,
            insertions=[
                InsertionIn(
                    muscle=muscle,
                    side="right",
                    level=level,
                    needle_diameter_mm=DEFAULT_NEEDLE_DIAMETER_MM,
                    needle_length_mm=DEFAULT_NEEDLE_LENGTH_MM,
                    needle_lot=CURRENT_LOT,
                    twitch="strong",
                )
                for muscle, level in (("cervical_paraspinals", "C6"), ("infraspinatus", ""))
            ],
            adverse_events=[event],
        ),
    )
    return charting.session_sign(actor=actor, session=session)


def load(*, practitioner: User, admin: User, today: dt.date) -> None:
    assert practitioner.clinic is not None
    actor = Actor(user=practitioner, clinic=practitioner.clinic, source="command")
    admin_actor = Actor(user=admin, clinic=practitioner.clinic, source="command")
    for lot, quantity, received, expires in (
        ("LOT-202600A", 1000, 200, 700),
        (CURRENT_LOT, 500, 40, 900),
        ("LOT-2024-03C", 200, 800, -30),
    ):
        actions.needle_lot_receive(
            actor=admin_actor,
            data=NeedleLotIn(
                manufacturer="Synthetic Needle Co",
                lot=lot,
                expires_on=today + dt.timedelta(days=expires),
                quantity=quantity,
                received_on=today - dt.timedelta(days=received),
            ),
        )
    patient = patients.patient_register(
        actor=actor,
        data=PatientIn(
            family_name="Serra",
            given_name="Ines",
            sex="female",
            date_of_birth=dt.date(1968, 3, 14),
            health_number="8100-24680",
            phone="403-555-0117",
        ),
    )
    patients.consent_record(
        actor=actor,
        patient=patient,
        data=ConsentIn(consented_on=today - dt.timedelta(days=60), text_version="ims-2026.1"),
    )
    episode = charting.episode_open(
        actor=actor,
        patient=patient,
        data=EpisodeIn(condition_code="M54.2", opened_on=today - dt.timedelta(days=60)),
    )
    earlier = _session(
        actor,
        patient,
        episode,
        today - dt.timedelta(days=30),
        AdverseEventIn(
            kind="vasovagal",
            severity="serious",
            description="Fainted while standing up after treatment; cut to the eyebrow",
            action_taken="First aid, wound closed with strips; sent to urgent care",
        ),
    )
    actions.followup_complete(
        actor=actor,
        followup=FollowUp.objects.get(session=earlier),
        data=FollowUpDoneIn(
            contact_made=True,
            contact_method="phone",
            contacted_on=today - dt.timedelta(days=29),
            outcome="Two sutures at urgent care; no further dizziness. Sits for 5 minutes next time.",
            referral="emergency",
            referral_detail="Urgent care centre",
        ),
    )
    report = actions.incident_start(actor=admin_actor, session=earlier)
    report = actions.incident_update(
        actor=admin_actor,
        report=report,
        data=IncidentReportIn(
            **{name: getattr(report, name) for name in IncidentReportIn.model_fields},
        ),
    )
    actions.incident_sign(actor=admin_actor, report=report)
    _session(
        actor,
        patient,
        episode,
        today - dt.timedelta(days=1),
        AdverseEventIn(
            kind="nerve",
            severity="serious",
            description="Burning pain and weakness of the right hand after C6 paraspinals",
            action_taken="Needling stopped; referred to the physician on call",
        ),
    )

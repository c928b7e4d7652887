"""The patients' side in the demo clinic: a new patient who has sent the intake form with a
red flag, waiting on Today for the practitioner's review. Written through the actions,
the token taken from the outbox message as the patient would from the e-mail."""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from imsclinic.accounts.models import User
from imsclinic.charting.schemas import PainMarkIn
from imsclinic.core.actors import Actor
from imsclinic.notifications.models import OutboxMessage
from imsclinic.patients import actions as patients
from imsclinic.patients.schemas import PatientIn
from imsclinic.portal import actions
from imsclinic.portal.models import IntakeSubmission
from imsclinic.portal.schemas import IntakeIn, IntakeLinkIn

# A 1x1 white PNG: the demo's "drawn" signature.
DEMO_SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)


@transaction.atomic
def load(*, practitioner: User) -> IntakeSubmission:
    assert practitioner.clinic is not None
    actor = Actor(user=practitioner, clinic=practitioner.clinic, source="command")
    patient = patients.patient_register(
        actor=actor,
        data=PatientIn(
            family_name="Kowalczyk",
            given_name="Nadia",
            sex="female",
            date_of_birth=dt.date(1971, 6, 14),
            health_number="8120-40411",
            email="nadia.kowalczyk@example.org",
        ),
    )
    link = actions.intake_link_send(
        actor=actor, patient=patient, data=IntakeLinkIn(measure_code="nprs")
    )
    message = OutboxMessage.objects.get(kind=actions.INTAKE_LINK, ref_id=link.pk)
    token = re.search(r"/intake/([\w-]+)/", message.secrets["form_url"]).group(1)  # type: ignore[union-attr]
    return actions.intake_submit(
        token=token,
        data=IntakeIn(
            medications="Ibuprofen 400 mg as needed",
            precautions=["diabetes"],
            red_flags={
                "cauda_equina": "no",
                "weight_loss": "no",
                "fever": "no",
                "cancer": "no",
                "trauma": "yes",
            },
            red_flag_notes="Slipped on ice three weeks ago; the back pain started that day.",
            pain_areas="Worse after sitting; sometimes into the back of the right thigh",
            pain_locations=[
                PainMarkIn(region="lower_back", side="right"),
                PainMarkIn(region="lower_back", side="left"),
                PainMarkIn(region="buttock", side="right"),
            ],
            baseline_items=[6],
            consent_agree=True,
            consent_name="Nadia Kowalczyk",
            consent_signature=DEMO_SIGNATURE,
        ),
    )

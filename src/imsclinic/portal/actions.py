"""The one write path of the patients' side: links e-mailed to patients (questionnaires,
intake, portal sign-in), intake submissions and their review.

Every e-mail goes through the outbox in the action's transaction; the token is in the
message's erased-after-sending secrets only, and the database keeps its SHA-256.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from imsclinic.charting.models import Episode
from imsclinic.core.actors import Actor
from imsclinic.core.errors import FieldProblem, ValidationProblem
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.notifications import outbox
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.models import QuestionnaireLink
from imsclinic.outcomes.schemas import LinkIn
from imsclinic.patients.models import Patient
from imsclinic.portal.schemas import LinkEmailIn
from imsclinic.scheduling.links import absolute

QUESTIONNAIRE_LINK = "questionnaire.link"
EMAILS = "portal/email/"


def _require_email(patient: Patient) -> str:
    if not patient.email.strip():
        raise ValidationProblem(
            [
                FieldProblem(
                    "email",
                    "required",
                    "The patient has no e-mail address: add one on the registration details "
                    "first, or copy the link and send it yourself.",
                )
            ]
        )
    return patient.email.strip()


@transaction.atomic
def questionnaire_link_email(
    *, actor: Actor, episode: Episode, data: LinkEmailIn
) -> QuestionnaireLink:
    """Create a single-use questionnaire link and e-mail it to the patient (outbox)."""
    require_role(actor, CLINICAL)
    patient = episode.patient
    to = _require_email(patient)
    issued = outcomes.link_create(
        actor=actor,
        episode=episode,
        data=LinkIn(measure_code=data.measure_code, expires_in_days=data.expires_in_days),
    )
    link = issued.link
    mail = outbox.render_email(
        EMAILS + "questionnaire",
        {
            "clinic": actor.clinic.name,
            "expires": link.expires_at,
            "form_url": outbox.placeholder("form_url"),
        },
    )
    outbox.enqueue_email(
        clinic=actor.clinic,
        to=to,
        kind=QUESTIONNAIRE_LINK,
        subject=mail.subject,
        body=mail.body,
        secrets={"form_url": absolute(reverse("questionnaire_link", args=[issued.token]))},
        patient_id=patient.pk,
        ref=link,
        dedupe_key=f"questionnaire-link:{link.pk}",
        expires_at=link.expires_at,
    )
    return link

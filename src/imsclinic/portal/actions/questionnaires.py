"""Questionnaire links e-mailed to a patient from the progress page."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from imsclinic.charting.models import Episode
from imsclinic.core.actors import Actor
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.outcomes import actions as outcomes
from imsclinic.outcomes.models import QuestionnaireLink
from imsclinic.outcomes.schemas import LinkIn
from imsclinic.portal.actions.common import (
    EMAILS,
    _email_form_link,
    _require_email,
)
from imsclinic.portal.schemas import LinkEmailIn
from imsclinic.scheduling.links import absolute

QUESTIONNAIRE_LINK = "questionnaire.link"


@transaction.atomic
def questionnaire_link_email(
    *, actor: Actor, episode: Episode, data: LinkEmailIn
) -> QuestionnaireLink:
    """Create a single-use questionnaire link and e-mail it to the patient (outbox)."""
    require_role(actor, CLINICAL)
    patient = episode.patient
    _require_email(patient)  # refused before a link exists
    issued = outcomes.link_create(
        actor=actor,
        episode=episode,
        data=LinkIn(measure_code=data.measure_code, expires_in_days=data.expires_in_days),
    )
    link = issued.link
    _email_form_link(
        patient=patient,
        link=link,
        template=EMAILS + "questionnaire",
        kind=QUESTIONNAIRE_LINK,
        url=absolute(reverse("questionnaire_link", args=[issued.token])),
    )
    return link

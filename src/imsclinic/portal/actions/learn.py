"""An IMS-explained page sent to a patient from the chart."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import (
    FieldProblem,
    ValidationProblem,
)
from imsclinic.core.permissions import CLINICAL, require_role
from imsclinic.notifications import outbox
from imsclinic.patients.models import Patient
from imsclinic.portal.actions.common import (
    _render_for,
    _require_email,
)
from imsclinic.portal.learn import BY_SLUG
from imsclinic.scheduling.links import absolute

LEARN_PAGE = "learn.page"


@transaction.atomic
def learn_page_send(*, actor: Actor, patient: Patient, slug: str) -> None:
    """E-mail the patient a link to one "IMS explained" page (the pages are public; the
    message names no condition)."""
    require_role(actor, CLINICAL)
    topic = BY_SLUG.get(slug)
    if topic is None:
        raise ValidationProblem(
            [FieldProblem("topic", "unknown", "Choose one of the pages in the list.")]
        )
    to = _require_email(patient)
    mail = _render_for(
        patient,
        "portal/email/learn",
        {
            "clinic": actor.clinic.name,
            "page_url": absolute(reverse("learn_page", args=[slug]))
            + f"?lang={patient.preferred_language or 'en'}",
        },
    )
    message = outbox.enqueue_email(
        clinic=actor.clinic,
        to=to,
        kind=LEARN_PAGE,
        subject=mail.subject,
        body=mail.body,
        patient_id=patient.pk,
        ref=patient,
    )
    audit_record(
        actor=actor,
        action="create",
        patient_id=patient.pk,
        obj=message,
        detail=f"IMS explained page '{slug}' e-mailed",
    )

"""Helpers every patient link shares: the e-mail in the patient's language, the address check,
opening a link by its token (gone links raise LinkGone), and the consent version a patient reads."""

from __future__ import annotations

from typing import TypeVar

from django.urls import reverse
from django.utils import timezone, translation

from imsclinic.core.errors import (
    FieldProblem,
    NotFound,
    ValidationProblem,
)
from imsclinic.notifications import outbox
from imsclinic.outcomes.models import QuestionnaireLink
from imsclinic.patients.consent_texts import CONSENT_TEXTS, CURRENT_CONSENT_VERSION
from imsclinic.patients.models import Patient
from imsclinic.portal.models import IntakeLink, PortalLink
from imsclinic.scheduling.links import TOKEN_MAX, absolute, token_hash

EMAILS = "portal/email/"


CONSENT_VERSION_BY_LANGUAGE = {"en": CURRENT_CONSENT_VERSION, "fr": "ims-2026.1-fr"}


def consent_version_for(patient: Patient) -> str:
    """The consent wording the patient reads: the current version, in their language."""
    version = CONSENT_VERSION_BY_LANGUAGE.get(patient.preferred_language, CURRENT_CONSENT_VERSION)
    return version if version in CONSENT_TEXTS else CURRENT_CONSENT_VERSION


def _render_for(patient: Patient, prefix: str, context: dict[str, object]) -> outbox.RenderedEmail:
    """The e-mail in the patient's preferred language."""
    with translation.override(patient.preferred_language or "en"):
        return outbox.render_email(prefix, context)


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


def _email_form_link(
    *, patient: Patient, link: QuestionnaireLink | IntakeLink, template: str, kind: str, url: str
) -> None:
    """E-mail a form's single-use link; the URL is an outbox secret, erased once sent."""
    mail = _render_for(
        patient,
        template,
        {
            "clinic": link.clinic.name,
            "expires": link.expires_at,
            "form_url": outbox.placeholder("form_url"),
            "portal_url": absolute(reverse("portal_sign_in_request", args=[link.clinic.slug])),
        },
    )
    outbox.enqueue_email(
        clinic=link.clinic,
        to=_require_email(patient),
        kind=kind,
        subject=mail.subject,
        body=mail.body,
        secrets={"form_url": url},
        patient_id=patient.pk,
        ref=link,
        dedupe_key=f"{kind}:{link.pk}",
        expires_at=link.expires_at,
    )


class LinkGone(Exception):
    """A link that was valid once but is used or expired: HTTP 410, nothing shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


L = TypeVar("L", IntakeLink, PortalLink)


def _open_link(model: type[L], *, token: str, lock: bool, what: str) -> L:
    """The patient's single-use link of ``token``: NotFound when unknown or altered,
    LinkGone when used, expired, or the patient's record is archived. Neither reveals
    anything about the patient."""
    if not token or len(token) > TOKEN_MAX:
        raise NotFound(f"This {what} link is not valid.")
    queryset = model.objects.select_related("clinic", "patient")
    if lock:
        queryset = queryset.select_for_update(of=("self",))  # the link row only
    link = queryset.filter(token_hash=token_hash(token)).first()
    if link is None:
        raise NotFound(f"This {what} link is not valid.")
    if link.used_at is not None:
        raise LinkGone("used")
    if link.expires_at <= timezone.now() or link.patient.archived_at is not None:
        raise LinkGone("expired")
    return link

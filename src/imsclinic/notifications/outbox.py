"""Enqueue messages to patients: the API other apps call.

    from imsclinic.notifications import outbox

    with transaction.atomic():            # the action's own transaction
        ...change the records...
        outbox.enqueue_email(
            clinic=clinic, to=patient.email, kind="intake.link",
            subject="Your intake form", body="Open [[form_url]] before your visit.",
            secrets={"form_url": url_with_token},      # erased once the message is settled
            patient_id=patient.pk, ref=episode,         # what it is about (cancel_pending)
            dedupe_key=f"intake:{episode.pk}",          # enqueue twice -> one message
            send_after=None, expires_at=visit_start,    # schedule / give up after
        )

The row commits or rolls back with the action, so a message exists exactly when its cause
does; the sender (``imsclinic outbox send``) delivers it later, retrying with backoff.
``render_email`` renders ``<prefix>.subject.txt``, ``<prefix>.txt`` and an optional
``<prefix>.html`` from templates.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from imsclinic.core.models import Clinic
from imsclinic.notifications.models import OutboxMessage

_PLACEHOLDER = re.compile(r"\[\[([a-z0-9_]{1,40})\]\]")
MAX_ATTACHMENT_CHARS = 1_000_000


class OutboxError(ValueError):
    """A message that cannot be enqueued as given; the message names the fix."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: str  # text (iCalendar, CSV, ...)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html_body: str = ""


def placeholder(name: str) -> str:
    """The marker to put in a body where the secret value ``name`` goes: ``[[name]]``."""
    if not _PLACEHOLDER.fullmatch(f"[[{name}]]"):
        raise OutboxError(f"Secret names are 1-40 lower-case letters, digits or _: '{name}'.")
    return f"[[{name}]]"


def render_email(template_prefix: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Subject, text and (if the template exists) HTML body from the templates
    ``<prefix>.subject.txt``, ``<prefix>.txt`` and ``<prefix>.html``."""
    subject: str = " ".join(
        render_to_string(f"{template_prefix}.subject.txt", dict(context)).split()
    )
    body: str = render_to_string(f"{template_prefix}.txt", dict(context))
    try:
        html_body: str = render_to_string(f"{template_prefix}.html", dict(context))
    except TemplateDoesNotExist:
        html_body = ""
    return RenderedEmail(subject=subject[:300], body=body, html_body=html_body)


def _ref(ref: Model | tuple[str, int] | None) -> tuple[str, int | None]:
    if ref is None:
        return "", None
    if isinstance(ref, tuple):
        return ref[0], ref[1]
    return type(ref).__name__, ref.pk


def _check_secrets(texts: Iterable[str], secrets: Mapping[str, str]) -> dict[str, str]:
    used = {name for text in texts for name in _PLACEHOLDER.findall(text)}
    missing = used - set(secrets)
    if missing:
        raise OutboxError(f"No value given for the placeholders {sorted(missing)}.")
    unused = set(secrets) - used
    if unused:
        raise OutboxError(f"Secrets {sorted(unused)} are not used in the message.")
    return {name: str(value) for name, value in secrets.items()}


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError(
            "Enqueue inside the transaction of the action that causes the message "
            "(transaction.atomic), so the message and its cause commit together."
        )


def _enqueue(
    *,
    clinic: Clinic,
    channel: str,
    to: str,
    kind: str,
    subject: str,
    body: str,
    html_body: str,
    attachments: Sequence[Attachment],
    reply_to: str,
    secrets: Mapping[str, str] | None,
    patient_id: int | None,
    ref: Model | tuple[str, int] | None,
    dedupe_key: str,
    send_after: dt.datetime | None,
    expires_at: dt.datetime | None,
    max_attempts: int,
) -> OutboxMessage:
    _require_transaction()
    if not to.strip():
        raise OutboxError("A message needs a recipient (e-mail address or phone number).")
    if not kind or len(kind) > 60:
        raise OutboxError(
            "Name the kind of message (1-60 characters), e.g. 'appointment.reminder'."
        )
    if len(dedupe_key) > 160:
        raise OutboxError("A dedupe key is at most 160 characters.")
    if sum(len(a.content) for a in attachments) > MAX_ATTACHMENT_CHARS:
        raise OutboxError("Attachments are limited to 1,000,000 characters in all.")
    checked = _check_secrets((subject, body, html_body), secrets or {})
    if dedupe_key:
        existing = OutboxMessage.objects.filter(clinic=clinic, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    start = max(send_after, now) if send_after is not None else now
    ref_type, ref_id = _ref(ref)
    domain = getattr(settings, "IMSCLINIC_EMAIL_DOMAIN", "imsclinic.invalid")
    message = OutboxMessage(
        clinic=clinic,
        channel=channel,
        kind=kind,
        recipient=to.strip()[:254],
        subject=subject[:300],
        body=body,
        html_body=html_body,
        attachments=[
            {"filename": a.filename, "content_type": a.content_type, "content": a.content}
            for a in attachments
        ],
        reply_to=reply_to,
        secrets=checked,
        patient_id=patient_id,
        ref_type=ref_type,
        ref_id=ref_id,
        dedupe_key=dedupe_key,
        send_after=start,
        next_attempt_at=start,
        expires_at=expires_at,
        max_attempts=max_attempts,
        message_id=f"<{uuid.uuid4().hex}.outbox@{domain}>",
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # A concurrent enqueue of the same dedupe key won: that message stands for both.
        if not dedupe_key:
            raise
        return OutboxMessage.objects.get(clinic=clinic, dedupe_key=dedupe_key)
    if getattr(settings, "IMSCLINIC_OUTBOX_IN_PROCESS", False):
        from imsclinic.notifications.worker import wake

        transaction.on_commit(wake)
    return message


def enqueue_email(
    *,
    clinic: Clinic,
    to: str,
    kind: str,
    subject: str,
    body: str,
    html_body: str = "",
    attachments: Sequence[Attachment] = (),
    reply_to: str = "",
    secrets: Mapping[str, str] | None = None,
    patient_id: int | None = None,
    ref: Model | tuple[str, int] | None = None,
    dedupe_key: str = "",
    send_after: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    max_attempts: int = 8,
) -> OutboxMessage:
    """Queue one e-mail (call inside the causing action's transaction)."""
    if not subject.strip():
        raise OutboxError("An e-mail needs a subject.")
    return _enqueue(
        clinic=clinic,
        channel=OutboxMessage.Channel.EMAIL,
        to=to,
        kind=kind,
        subject=subject,
        body=body,
        html_body=html_body,
        attachments=attachments,
        reply_to=reply_to,
        secrets=secrets,
        patient_id=patient_id,
        ref=ref,
        dedupe_key=dedupe_key,
        send_after=send_after,
        expires_at=expires_at,
        max_attempts=max_attempts,
    )


def enqueue_sms(
    *,
    clinic: Clinic,
    to: str,
    kind: str,
    body: str,
    secrets: Mapping[str, str] | None = None,
    patient_id: int | None = None,
    ref: Model | tuple[str, int] | None = None,
    dedupe_key: str = "",
    send_after: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    max_attempts: int = 8,
) -> OutboxMessage:
    """Queue one text message. Delivery needs an SMS provider (IMSCLINIC_SMS_BACKEND);
    without one it waits (and finally fails or expires), so check ``sms_available()``
    before offering SMS to a clinic."""
    if len(body) > 1600:
        raise OutboxError("A text message is at most 1,600 characters (10 parts).")
    return _enqueue(
        clinic=clinic,
        channel=OutboxMessage.Channel.SMS,
        to=to,
        kind=kind,
        subject="",
        body=body,
        html_body="",
        attachments=(),
        reply_to="",
        secrets=secrets,
        patient_id=patient_id,
        ref=ref,
        dedupe_key=dedupe_key,
        send_after=send_after,
        expires_at=expires_at,
        max_attempts=max_attempts,
    )


def cancel_pending(
    *, clinic: Clinic, ref: Model | tuple[str, int], kinds: Sequence[str] | None = None
) -> int:
    """Cancel the not-yet-sent messages about ``ref`` (e.g. the reminder of an appointment
    that was moved); messages a sender has already claimed go out. Returns how many."""
    ref_type, ref_id = _ref(ref)
    pending = OutboxMessage.objects.filter(
        clinic=clinic, ref_type=ref_type, ref_id=ref_id, status=OutboxMessage.Status.PENDING
    )
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    return pending.update(
        status=OutboxMessage.Status.CANCELLED, secrets={}, updated_at=timezone.now()
    )


def sms_available() -> bool:
    from imsclinic.notifications.sms import get_backend

    return get_backend() is not None


def substitute(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` with each [[name]] replaced by its secret value."""
    return _PLACEHOLDER.sub(lambda m: secrets.get(m.group(1), m.group(0)), text)

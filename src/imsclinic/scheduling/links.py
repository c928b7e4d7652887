"""Single-use links in patients' e-mails (confirm, cancel, take a waitlist offer).

The token goes into the e-mail only (through the outbox's erased-after-sending secrets);
the database keeps its SHA-256, like questionnaire links and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse

from imsclinic.scheduling.models import Appointment, AppointmentLink

TOKEN_MAX = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def absolute(path: str) -> str:
    base = getattr(settings, "IMSCLINIC_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + path


def issue(appointment: Appointment, purpose: str, *, expires_at: dt.datetime | None = None) -> str:
    """A new link for ``appointment``; returns its full URL (the only copy of the token)."""
    token = new_token()
    AppointmentLink.objects.create(
        clinic_id=appointment.clinic_id,
        appointment=appointment,
        purpose=purpose,
        token_hash=token_hash(token),
        expires_at=expires_at or appointment.starts_at,
    )
    return absolute(reverse("appointment_link", args=[token]))

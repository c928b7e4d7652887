"""E-mail the practitioner and the clinic's admins 30 days before a needling
authorization runs out (accounts.selectors.expiring_coverage, the same rows Today shows).

Run daily (`imsclinic authorizations warn`, docs/deployment.md). Idempotent: each message
has a dedupe key naming the authorization, its end date and the recipient, so a rerun,
or two runs at once, queue nothing new; a renewal ends the warnings because the new
authorization then covers past the horizon.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from imsclinic.accounts.models import Role, User
from imsclinic.accounts.selectors import EXPIRY_WARNING_DAYS, expiring_coverage
from imsclinic.core.audit import audit_account_event
from imsclinic.core.models import Clinic
from imsclinic.notifications import outbox
from imsclinic.notifications.models import OutboxMessage

KIND = "accounts.authorization_expiry"


def authorizations_warn(*, day: dt.date) -> int:
    """Queue the warnings due on ``day`` in every clinic; returns how many were new."""
    return sum(_warn_clinic(clinic=clinic, day=day) for clinic in Clinic.objects.order_by("id"))


@transaction.atomic
def _warn_clinic(*, clinic: Clinic, day: dt.date) -> int:
    admins = [
        admin
        for admin in User.objects.filter(clinic=clinic, role=Role.ADMIN, is_active=True)
        if admin.email
    ]
    queued = 0
    for coverage in expiring_coverage(clinic=clinic, day=day):
        if coverage.lapsed or coverage.until is None or coverage.until < day:
            continue  # Today shows lapsed ones; the e-mail warns ahead of the date
        authorization = coverage.authorization
        assert authorization is not None
        practitioner = coverage.practitioner
        recipients = {u.pk: u for u in admins}
        if practitioner.email:
            recipients[practitioner.pk] = practitioner
        for recipient in recipients.values():
            key = f"authz-expiry:{authorization.pk}:{coverage.until.isoformat()}:{recipient.pk}"
            if OutboxMessage.objects.filter(clinic=clinic, dedupe_key=key).exists():
                continue
            mail = outbox.render_email(
                "safety/email/authorization_expiry",
                {
                    "clinic": clinic.name,
                    "practitioner": practitioner.display_name,
                    "yours": recipient.pk == practitioner.pk,
                    "label": coverage.label,
                    "reference": authorization.reference,
                    "until": coverage.until,
                    "days": (coverage.until - day).days,
                    "warning_days": EXPIRY_WARNING_DAYS,
                },
            )
            outbox.enqueue_email(
                clinic=clinic,
                to=recipient.email,
                kind=KIND,
                subject=mail.subject,
                body=mail.body,
                ref=authorization,
                dedupe_key=key,
            )
            queued += 1
    if queued:
        audit_account_event(
            action="expiry_warning",
            username="(system)",
            clinic=clinic,
            source="command",
            detail=f"{queued} authorization expiry e-mails queued",
        )
    return queued

"""Deliver the outbox: claim due messages, send each once, record the outcome.

Bookkeeping that makes delivery safe to interrupt anywhere:
1. **Claim** (one short transaction): due rows (pending and due, or "sending" whose lease
   ran out because a sender died) become ``sending`` with this run's claim token and a
   lease; PostgreSQL skips rows another sender holds (``FOR UPDATE SKIP LOCKED``), SQLite's
   single writer serializes claims. Two senders never hold the same message.
2. **Send** outside any transaction, each message with the Message-ID fixed when it was
   enqueued.
3. **Settle** with an UPDATE guarded by the claim token: ``sent``; or back to ``pending``
   with exponential backoff after an error (SMTP down, refused); ``failed`` after
   ``max_attempts``; ``expired`` once past ``expires_at`` (a reminder after the visit).

A restart between 1 and 2 loses nothing: the lease runs out and the message is claimed
again. An SMTP failure sends nothing and is retried. The one window no outbox can close
is a crash after the mail server accepted a message and before step 3 commits (a few
milliseconds): the message is sent again, with the same Message-ID, which receiving
servers and mail clients use to drop the copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import secrets as token_source
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.outbox import substitute
from imsclinic.notifications.sms import SmsMessage, get_backend

log = logging.getLogger("imsclinic.notifications")

LEASE = dt.timedelta(minutes=5)
BACKOFF_CAP = dt.timedelta(hours=6)
Status = OutboxMessage.Status


def backoff(attempts: int, *, jitter: float | None = None) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8 ... minutes, capped at
    six hours, plus up to 10% jitter so retries of many messages spread out."""
    base = min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), BACKOFF_CAP)
    spread = random.uniform(0, 0.1) if jitter is None else jitter  # noqa: S311 (not security)
    return base * (1 + spread)


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendReport) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.expired += other.expired
        self.errors.extend(other.errors)


def _due(now: dt.datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )


def claim(*, limit: int, now: dt.datetime) -> tuple[str, list[OutboxMessage]]:
    """Claim up to ``limit`` due messages for this run; returns its token and the rows."""
    token = token_source.token_hex(16)
    with transaction.atomic():
        due = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return token, []
        OutboxMessage.objects.filter(id__in=ids).update(
            status=Status.SENDING,
            claim_token=token,
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    return token, list(OutboxMessage.objects.filter(id__in=ids, claim_token=token).order_by("id"))


def _settle(message: OutboxMessage, token: str, **values: object) -> bool:
    values.setdefault("updated_at", timezone.now())
    done = OutboxMessage.objects.filter(pk=message.pk, claim_token=token, status=Status.SENDING)
    return bool(done.update(**values))


def _email(message: OutboxMessage, mail_connection: object) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=substitute(message.subject, message.secrets),
        body=substitute(message.body, message.secrets),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={"Message-ID": message.message_id} if message.message_id else None,
        connection=mail_connection,  # type: ignore[arg-type]
    )
    if message.html_body:
        email.attach_alternative(substitute(message.html_body, message.secrets), "text/html")
    for attachment in message.attachments or []:
        email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
    return email


def _deliver(message: OutboxMessage, mail_connection: object) -> None:
    if message.channel == OutboxMessage.Channel.EMAIL:
        _email(message, mail_connection).send(fail_silently=False)
        return
    backend = get_backend()
    if backend is None:
        raise RuntimeError("No SMS provider is configured (setting IMSCLINIC_SMS_BACKEND).")
    backend.send(
        SmsMessage(
            to=message.recipient,
            body=substitute(message.body, message.secrets),
            reference=message.message_id or str(message.pk),
        )
    )


def send_due(*, limit: int = 50, now: dt.datetime | None = None) -> SendReport:
    """Claim and deliver one batch of due messages."""
    now = now or timezone.now()
    report = SendReport()
    token, batch = claim(limit=limit, now=now)
    report.claimed = len(batch)
    if not batch:
        return report
    mail_connection = get_connection(fail_silently=False)
    try:
        for message in batch:
            if message.expires_at is not None and message.expires_at <= now:
                if _settle(message, token, status=Status.EXPIRED, secrets={}, lease_until=None):
                    report.expired += 1
                continue
            try:
                _deliver(message, mail_connection)
            except Exception as exc:  # any failure of a backend: retry later, never crash
                error = f"{type(exc).__name__}: {exc}"[:500]
                report.errors.append(f"message {message.pk}: {error}")
                log.warning(
                    "outbox message %s not sent (attempt %s): %s",
                    message.pk,
                    message.attempts,
                    error,
                )
                if message.attempts >= message.max_attempts:
                    if _settle(
                        message,
                        token,
                        status=Status.FAILED,
                        last_error=error,
                        secrets={},
                        lease_until=None,
                    ):
                        report.failed += 1
                else:
                    if _settle(
                        message,
                        token,
                        status=Status.PENDING,
                        last_error=error,
                        next_attempt_at=now + backoff(message.attempts),
                        lease_until=None,
                    ):
                        report.retrying += 1
                continue
            if _settle(
                message,
                token,
                status=Status.SENT,
                sent_at=timezone.now(),
                secrets={},
                last_error="",
                lease_until=None,
            ):
                report.sent += 1
    finally:
        # Closing a broken SMTP connection must not mask the run's outcome.
        with contextlib.suppress(Exception):
            mail_connection.close()
    return report


def send_all_due(*, limit: int = 50, now: dt.datetime | None = None) -> SendReport:
    """Batches until nothing is due."""
    total = SendReport()
    while True:
        report = send_due(limit=limit, now=now)
        total.add(report)
        if report.claimed < limit:
            return total


def seconds_until_next(now: dt.datetime | None = None, cap: float = 30.0) -> float:
    """How long a loop may sleep before something becomes due (at most ``cap``)."""
    now = now or timezone.now()
    upcoming = (
        OutboxMessage.objects.filter(status=Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if upcoming is None:
        return cap
    return max(0.0, min(cap, (upcoming - now).total_seconds()))

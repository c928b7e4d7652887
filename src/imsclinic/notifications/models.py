"""The outbox: every message to a patient is a row first, written in the same transaction
as the action that causes it, and delivered later by the sender (notifications/sender.py).
"""

from __future__ import annotations

from django.db import models

from imsclinic.core.models import ClinicScopedModel


class OutboxMessage(ClinicScopedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Claimed by a sender"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        CANCELLED = "cancelled", "Cancelled before sending"
        EXPIRED = "expired", "Expired before it could be sent"

    channel = models.CharField(max_length=5, choices=Channel.choices)
    # What the message is for, e.g. "appointment.reminder"; callers choose their own names.
    kind = models.CharField(max_length=60)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # [{"filename", "content_type", "content"}]: text content (e.g. text/calendar).
    attachments = models.JSONField(default=list, blank=True)
    reply_to = models.CharField(max_length=254, blank=True)
    # Values (link URLs with their tokens) substituted for [[name]] in the bodies at send
    # time and erased once the message is settled, so a copy of the database holds no
    # usable link of a message already delivered.
    secrets = models.JSONField(default=dict, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    ref_type = models.CharField(max_length=60, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    # Enqueueing again with the same key returns the existing message (idempotent).
    dedupe_key = models.CharField(max_length=160, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The RFC 5322 Message-ID every attempt of this message carries, so a receiving server
    # can drop a copy re-sent after a crash between its acceptance and our bookkeeping.
    message_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["clinic", "ref_type", "ref_id"], name="outbox_clinic_ref"),
            models.Index(fields=["clinic", "patient_id"], name="outbox_clinic_patient"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_dedupe_per_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} to {self.recipient} ({self.status})"

"""The SMS channel: an interface, no provider wired in.

A provider is a class with ``send(message) -> str`` (the provider's message id), named by
the setting ``IMSCLINIC_SMS_BACKEND`` (dotted path). Raising means "not sent": the outbox
retries with backoff. Two backends ship for development and tests only: the console
(prints) and an in-memory list.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str
    reference: str  # the outbox message's id, for the provider's idempotency key


class SmsBackend(Protocol):
    def send(self, message: SmsMessage) -> str: ...


class ConsoleSmsBackend:
    """Writes each message to standard output (development, like Django's console e-mail)."""

    def send(self, message: SmsMessage) -> str:
        sys.stdout.write(f"SMS to {message.to} [{message.reference}]\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()
        return f"console-{message.reference}"


class LocmemSmsBackend:
    """Keeps messages in ``LocmemSmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> str:
        self.outbox.append(message)
        return f"locmem-{len(self.outbox)}"


def get_backend() -> SmsBackend | None:
    path = getattr(settings, "IMSCLINIC_SMS_BACKEND", "") or ""
    if not path:
        return None
    backend_class = import_string(path)
    return backend_class()  # type: ignore[no-any-return]

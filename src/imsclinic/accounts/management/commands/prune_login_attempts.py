"""`imsclinic prune_login_attempts`: delete login attempts older than the retention period.

Each login attempt already prunes on write (accounts/throttle.py); this is for a nightly
job on a quiet system or after changing the retention. The audit trail keeps every
failed login for good; these rows only feed the lockout."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from imsclinic.accounts.throttle import limits, prune


class Command(BaseCommand):
    help = (
        "Delete login attempts older than IMSCLINIC_LOGIN_ATTEMPT_RETENTION_HOURS (default 24, "
        "never less than the lockout window); failed logins stay in the audit trail."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune()
        hours = limits().retention.total_seconds() / 3600
        self.stdout.write(f"Deleted {deleted} login attempts older than {hours:g} hours.")

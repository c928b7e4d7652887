"""`imsclinic authorizations warn [--date YYYY-MM-DD]`: queue the e-mails warning that a
needling authorization expires within 30 days (safety/authorization_mail.py). Run daily;
running it again queues nothing new."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from imsclinic.safety.authorization_mail import authorizations_warn


class Command(BaseCommand):
    help = "Warn by e-mail (through the outbox) of needling authorizations about to expire."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        warn = commands.add_parser("warn", help="Queue the expiry warnings due today.")
        warn.add_argument("--date", help="Warn as of this day (YYYY-MM-DD); default today.")

    def handle(self, *args: Any, **options: Any) -> None:
        day = timezone.localdate()
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date: give a day as YYYY-MM-DD.") from None
        queued = authorizations_warn(day=day)
        self.stdout.write(f"{queued} authorization expiry e-mail(s) queued for {day:%Y-%m-%d}.")

"""`imsclinic outbox send [--loop]` delivers due messages; `imsclinic outbox status` counts them.

Run `send --loop` as a service beside the web server (docs/deployment.md); it stops
cleanly on SIGTERM or Ctrl-C after the message in hand. Any number of senders may run.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.models import Count, Min
from django.utils import timezone

from imsclinic.notifications.models import OutboxMessage
from imsclinic.notifications.sender import seconds_until_next, send_all_due


class Command(BaseCommand):
    help = "Deliver the e-mail/SMS outbox (send [--loop]) or show its state (status)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True)
        send = commands.add_parser("send", help="Send every due message, then exit (or --loop).")
        send.add_argument("--loop", action="store_true", help="Keep sending until stopped.")
        send.add_argument("--limit", type=int, default=50, help="Messages per batch (default 50).")
        send.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Longest sleep between passes in --loop, seconds (default 30).",
        )
        commands.add_parser("status", help="Messages by status; the oldest waiting one.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "status":
            self._status()
            return
        if options["limit"] < 1 or options["interval"] <= 0:
            raise CommandError("--limit must be at least 1 and --interval above 0.")
        if not options["loop"]:
            self._report(send_all_due(limit=options["limit"]))
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            self.stdout.write("outbox: stopping after the current message")
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write("outbox: sending; stop with Ctrl-C or SIGTERM")
        while not stop.is_set():
            try:
                report = send_all_due(limit=options["limit"])
                if report.claimed:
                    self._report(report)
                wait = seconds_until_next(cap=options["interval"])
            finally:
                connections.close_all()
            stop.wait(timeout=max(0.2, wait))

    def _report(self, report: Any) -> None:
        self.stdout.write(
            f"outbox: sent {report.sent}, retrying {report.retrying}, failed {report.failed}, "
            f"expired {report.expired}"
        )
        for error in report.errors:
            self.stderr.write(f"  {error}")

    def _status(self) -> None:
        rows = (
            OutboxMessage.objects.values("status")
            .annotate(n=Count("id"), oldest=Min("next_attempt_at"))
            .order_by("status")
        )
        now = timezone.now()
        if not rows:
            self.stdout.write("outbox: empty")
        for row in rows:
            line = f"{row['status']:10} {row['n']:7d}"
            if row["status"] == OutboxMessage.Status.PENDING and row["oldest"] is not None:
                minutes = (now - row["oldest"]).total_seconds() / 60
                line += (
                    f"   oldest due {minutes:+.0f} min ago" if minutes > 0 else "   none due yet"
                )
            self.stdout.write(line)

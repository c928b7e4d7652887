"""`imsclinic audit verify`: check the audit trail's hash chain; non-zero exit on any problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imsclinic.core.audit import audit_chain_verify


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' checks that no row was altered, inserted or deleted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("task", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        for problem in report.problems:
            self.stderr.write(f"{problem.kind.upper()}: {problem.message}")
        if not report.ok:
            raise CommandError(
                f"Audit chain BROKEN: {len(report.problems)} problem(s) in {report.rows} rows."
            )
        self.stdout.write(
            f"Audit chain OK: {report.rows} rows, head {report.head_seq} {report.head_hash}. "
            "Record the head hash off-site to detect a rewritten chain later."
        )

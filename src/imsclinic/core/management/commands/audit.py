"""`imsclinic audit verify [--clinic SLUG]`: check every clinic's audit hash chain (and the
chain of events without a clinic); non-zero exit on any problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.models import Clinic


class Command(BaseCommand):
    help = (
        "Audit trail tools. 'verify' checks that no row was altered, inserted or deleted in any "
        "clinic's chain (or only --clinic SLUG's) and prints each chain's head hash."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("task", choices=["verify"])
        parser.add_argument("--clinic", metavar="SLUG", help="verify only this clinic's chain")

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = None
        if options["clinic"]:
            clinic = Clinic.objects.filter(slug=options["clinic"]).first()
            if clinic is None:
                raise CommandError(f"No clinic with slug {options['clinic']!r}.")
        report = audit_chain_verify(clinic=clinic)
        for problem in report.problems:
            self.stderr.write(f"{problem.kind.upper()}: {problem.message}")
        for chain in report.chains:
            status = "OK" if chain.ok else f"BROKEN ({len(chain.problems)} problem(s))"
            who = (
                chain.chain if chain.clinic_id is None else f"{chain.chain} (id {chain.clinic_id})"
            )
            self.stdout.write(
                f"Chain {who}: {status}, {chain.rows} rows, head {chain.head_seq} {chain.head_hash}"
            )
        if not report.ok:
            broken = ", ".join(c.chain for c in report.chains if not c.ok)
            raise CommandError(
                f"Audit chain BROKEN in {broken}: {len(report.problems)} problem(s) in "
                f"{report.rows} rows."
            )
        self.stdout.write(
            f"Audit chain OK: {len(report.chains)} chain(s), {report.rows} rows. "
            "Record each chain's head hash off-site to detect a rewritten chain later."
        )

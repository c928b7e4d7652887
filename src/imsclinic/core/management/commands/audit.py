"""`imsclinic audit verify [--clinic SLUG] [--anchors FILE]`: check every clinic's audit hash
chain (and the chain of events without a clinic), the signed notes and amendments sealed
in them, and that every anchored head is still there; non-zero exit on any problem.

`imsclinic audit anchor [--output FILE] [--email ADDRESS ...]`: record each chain's head
outside the database (docs/audit.md, "Anchoring")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError

from imsclinic.core.anchors import (
    AnchorFileError,
    anchor_lines,
    current_anchors,
    read_anchors,
    verify_anchors,
)
from imsclinic.core.audit import audit_chain_verify
from imsclinic.core.models import Clinic


class Command(BaseCommand):
    help = (
        "Audit trail tools. 'verify' checks that no row was altered, inserted or deleted in any "
        "clinic's chain (or only --clinic SLUG's), that every signed note and amendment matches "
        "the hash sealed in its chain, and (--anchors FILE) that no anchored event has gone. "
        "'anchor' writes each chain's head to --output FILE (appended) and/or --email, to be "
        "kept outside the database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("task", choices=["verify", "anchor"])
        parser.add_argument("--clinic", metavar="SLUG", help="verify only this clinic's chain")
        parser.add_argument(
            "--anchors", metavar="FILE", help="verify: anchors written by 'audit anchor'"
        )
        parser.add_argument("--output", metavar="FILE", help="anchor: append the heads here")
        parser.add_argument(
            "--email", metavar="ADDRESS", action="append", default=[], help="anchor: send to"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["task"] == "anchor":
            self._anchor(options["output"], options["email"])
        else:
            self._verify(options["clinic"], options["anchors"])

    def _anchor(self, output: str | None, emails: list[str]) -> None:
        anchors = current_anchors()
        lines = anchor_lines(anchors)
        if output:
            with Path(output).open("a", encoding="utf-8") as handle:
                handle.write(lines)
            self.stderr.write(f"Appended {len(anchors)} chain head(s) to {output}.")
        if emails:
            send_mail(
                subject=f"IMS Clinic audit anchors ({len(anchors)} chains)",
                message=(
                    "Keep this message: `imsclinic audit verify --anchors FILE` with these lines "
                    "saved as FILE proves no audit event up to these heads has been deleted or "
                    "rewritten.\n\n" + lines
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=emails,
            )
            self.stderr.write(f"Sent {len(anchors)} chain head(s) to {', '.join(emails)}.")
        if not output and not emails:
            self.stdout.write(lines, ending="")

    def _verify(self, slug: str | None, anchors_path: str | None) -> None:
        clinic = None
        if slug:
            clinic = Clinic.objects.filter(slug=slug).first()
            if clinic is None:
                raise CommandError(f"No clinic with slug {slug!r}.")
        anchors = []
        if anchors_path:
            try:
                anchors = read_anchors(Path(anchors_path))
            except (OSError, AnchorFileError) as exc:
                raise CommandError(str(exc)) from None
            if clinic is not None:
                anchors = [a for a in anchors if a.clinic_id == clinic.pk]
        report = audit_chain_verify(clinic=clinic)
        problems = [*report.problems, *verify_anchors(anchors)]
        for problem in problems:
            self.stderr.write(f"{problem.kind.upper()}: {problem.message}")
        for chain in report.chains:
            status = "OK" if chain.ok else f"BROKEN ({len(chain.problems)} problem(s))"
            who = (
                chain.chain if chain.clinic_id is None else f"{chain.chain} (id {chain.clinic_id})"
            )
            self.stdout.write(
                f"Chain {who}: {status}, {chain.rows} rows, head {chain.head_seq} {chain.head_hash}"
            )
        if anchors:
            self.stdout.write(f"Anchors: {len(anchors)} checked from {anchors_path}.")
        if problems:
            broken = ", ".join(sorted({p.chain for p in problems}))
            raise CommandError(
                f"Audit chain BROKEN in {broken}: {len(problems)} problem(s) in {report.rows} rows."
            )
        self.stdout.write(
            f"Audit chain OK: {len(report.chains)} chain(s), {report.rows} rows. "
            "Record each chain's head off-site (`imsclinic audit anchor`) to detect a "
            "rewritten or shortened chain later."
        )

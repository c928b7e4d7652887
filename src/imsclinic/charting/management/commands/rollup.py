"""`imsclinic rollup [--check]`: the outcomes rollup against a fresh recomputation.

Triggers keep the rollup current (charting/rollup.py); this is for after a partial
restore or a load with triggers disabled. `--check` only reports.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from imsclinic.charting import rollup


class Command(BaseCommand):
    help = "Check (--check) or rebuild the per-episode outcomes rollup from sessions and events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Report differing episodes, change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        differing = rollup.differences(connection)
        if options["check"]:
            if differing:
                raise CommandError(
                    f"{len(differing)} episodes differ from a recomputation, e.g. "
                    f"{', '.join(map(str, differing[:10]))}: run `imsclinic rollup` to rebuild."
                )
            self.stdout.write("Outcomes rollup matches its sessions and adverse events.")
            return
        with transaction.atomic():
            rollup.rebuild(connection)
        self.stdout.write(f"Outcomes rollup rebuilt ({len(differing)} episodes had differed).")

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imsclinic.accounts.actions import clinic_create
from imsclinic.core.errors import ValidationProblem


class Command(BaseCommand):
    help = "Create a clinic (tenant)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True, help="Short id, e.g. bow-river")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            clinic = clinic_create(name=options["name"], slug=options["slug"])
        except ValidationProblem as exc:
            raise CommandError("; ".join(f"{p.field}: {p.message}" for p in exc.problems)) from None
        self.stdout.write(self.style.SUCCESS(f"Clinic {clinic.slug} created (id {clinic.pk})."))

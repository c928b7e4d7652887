import datetime as dt
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imsclinic.accounts.actions import authorization_add, user_create
from imsclinic.core.errors import ValidationProblem
from imsclinic.core.models import Clinic


class Command(BaseCommand):
    help = "Create a staff user of a clinic, optionally with needling authorizations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clinic", required=True, help="Clinic slug")
        parser.add_argument("--username", required=True)
        parser.add_argument(
            "--role", required=True, choices=["admin", "practitioner", "front_desk"]
        )
        parser.add_argument("--password", help="Prompted for when omitted")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--registration-number", default="")
        parser.add_argument("--designation", default="", help="Printed on receipts, e.g. PT")
        parser.add_argument("--regulatory-body", default="", help="Regulator of the registration")
        parser.add_argument("--ims-certificate", help="IMS certification number")
        parser.add_argument(
            "--restricted-activity", help="Regulator's needling authorization number"
        )
        parser.add_argument(
            "--valid-until",
            type=dt.date.fromisoformat,
            help="Expiry of both authorizations (YYYY-MM-DD)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clinic = Clinic.objects.filter(slug=options["clinic"]).first()
        if clinic is None:
            raise CommandError(
                f"No clinic with slug '{options['clinic']}'. Create it with create_clinic."
            )
        password = options["password"] or getpass.getpass("Password: ")
        try:
            user = user_create(
                clinic=clinic,
                username=options["username"],
                password=password,
                role=options["role"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                registration_number=options["registration_number"],
                designation=options["designation"],
                regulatory_body=options["regulatory_body"],
            )
            today = dt.date.today()
            for kind, reference in (
                ("ims_certification", options["ims_certificate"]),
                ("restricted_activity", options["restricted_activity"]),
            ):
                if reference:
                    authorization_add(
                        practitioner=user,
                        kind=kind,
                        reference=reference,
                        valid_from=today,
                        valid_until=options["valid_until"],
                    )
        except ValidationProblem as exc:
            raise CommandError("; ".join(f"{p.field}: {p.message}" for p in exc.problems)) from None
        self.stdout.write(
            self.style.SUCCESS(f"User {user.username} ({user.role}) created in {clinic.slug}.")
        )

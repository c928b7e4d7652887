from typing import Any

from django.core.management.base import BaseCommand

from imsclinic.demo.loader import DEMO_LOGINS, load_demo


class Command(BaseCommand):
    help = "Load the synthetic demo clinics if the database has no clinic yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (quietly) if clinics exist."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        if not result.get("clinics"):
            if not options["if_empty"]:
                self.stdout.write("The database already has clinics; demo not loaded.")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {result}"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:14} {login.password:16} {login.note}")

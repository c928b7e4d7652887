from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imsclinic.demo.loader import DEMO_LOGINS, load_demo


class Command(BaseCommand):
    help = (
        "Load the synthetic demo clinics if the database has no clinic yet; with --clinics/--patients/"
        "--years, add large synthetic clinics for benchmarks (bulk inserts)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (quietly) if clinics exist."
        )
        parser.add_argument("--clinics", type=int, help="Number of large synthetic clinics to add")
        parser.add_argument(
            "--patients", type=int, default=1000, help="Patients per clinic (default 1000)"
        )
        parser.add_argument("--years", type=int, default=2, help="Years of history (default 2)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clinics"] is not None:
            self._scale(options)
            return
        result = load_demo()
        if not result.get("clinics"):
            if not options["if_empty"]:
                self.stdout.write("The database already has clinics; demo not loaded.")
            return
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {result}"))
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:14} {login.password:16} {login.note}")

    def _scale(self, options: dict[str, Any]) -> None:
        from imsclinic.demo.scale import generate

        if options["clinics"] < 1 or options["patients"] < 1 or not 1 <= options["years"] <= 30:
            raise CommandError(
                "--clinics and --patients must be at least 1; --years between 1 and 30."
            )
        result = generate(
            clinics=options["clinics"],
            patients=options["patients"],
            years=options["years"],
            seed=options["seed"],
            progress=lambda line: self.stdout.write(line),
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {result.clinics} clinics, {result.practitioners} practitioners, {result.patients} patients, "
                f"{result.episodes} episodes, {result.sessions} sessions, {result.insertions} insertions "
                f"in {result.seconds:.1f} s ({result.sessions / max(result.seconds, 1e-9):,.0f} sessions/s)."
            )
        )

"""The `imsclinic` console script: clinic admin tasks and the segmental-reasoning CLI.

`imsclinic segments ...` needs no database; every other command is a Django management
command run with the settings in DJANGO_SETTINGS_MODULE (default: the dev settings).
"""

from __future__ import annotations

import os
import sys

HELP = """usage: imsclinic COMMAND [options]

Clinic administration:
  create_clinic --name NAME --slug SLUG      create a clinic (tenant)
  create_user --clinic SLUG --username U --role ROLE [--ims-certificate N --restricted-activity N --valid-until DATE]
  demo [--if-empty]                          load the synthetic demo clinics
  migrate                                    create or update the database tables
  prune_login_attempts                       delete lockout rows past their retention (24 h)
  audit verify [--anchors FILE]              check the audit chains, sealed notes and anchors
  audit anchor [--output FILE] [--email A]   record each chain's head outside the database
  rollup [--check]                           check or rebuild the clinic outcomes rollup
  outbox send [--loop] | status              deliver queued e-mail/SMS, or count what waits
  authorizations warn [--date D]             e-mail 30 days before a needling authorization expires
  runserver [ADDR:PORT]                      serve the web app (development)

Clinical reasoning (no database needed):
  segments MUSCLE [MUSCLE ...] [--side left|right] [--paraspinal LEVEL ...] [--normal MUSCLE ...] [--json]

Any other Django management command also works. `imsclinic COMMAND --help` for details.
The database is chosen by DATABASE_URL (default: SQLite in ./var/).
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(HELP)
        return 0
    if args[0] == "segments":
        from imsclinic.anatomy.cli import main as segments_main

        return segments_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imsclinic.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["imsclinic", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The database guards are re-installed by every migrate, as their module promises, so a
deployment gets a changed guard by migrating (the security app has no models, and Django
sends post_migrate only for apps with models)."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection

from imsclinic.security.db_guards import drop_signed_note_guards, installed_guard_names


def test_migrate_reinstalls_dropped_guards(db):
    before = installed_guard_names(connection)
    drop_signed_note_guards(connection)
    assert installed_guard_names(connection) < before
    call_command("migrate", verbosity=0)
    assert installed_guard_names(connection) == before

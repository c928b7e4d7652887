from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table.
    from django.db import connections

    from imsclinic.safety.db_guards import install_signed_record_guards

    install_signed_record_guards(connections[using])


def _follow_up_adverse_events(
    sender: type, *, actor: Any, session: Any, data: Any, created: bool, **kwargs: Any
) -> None:
    # A significant or serious adverse event on a written session opens (or updates, or
    # withdraws) its follow-up task, in the session's transaction (charting.events).
    from imsclinic.safety.actions import adverse_event_followups

    adverse_event_followups(
        actor=actor, session=session, events=data.adverse_events, created=created
    )


class SafetyConfig(AppConfig):
    name = "imsclinic.safety"
    label = "safety"
    verbose_name = "IMS Clinic safety operations"

    def ready(self) -> None:
        from imsclinic.charting.events import session_written

        post_migrate.connect(_reinstall_guards, sender=self)
        session_written.connect(_follow_up_adverse_events, dispatch_uid="safety.follow_ups")

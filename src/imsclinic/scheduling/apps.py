from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_overlap_guard(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table, so the
    # double-booking trigger is (re)installed after every migrate; it is idempotent.
    from django.db import connections

    from imsclinic.scheduling.guards import install_overlap_guard

    install_overlap_guard(connections[using])


def _on_session_written(
    sender: Any, *, actor: Any, session: Any, data: Any, created: bool, **kw: Any
) -> None:
    from imsclinic.scheduling.charting_link import session_recorded

    if created:
        session_recorded(actor=actor, appointment_id=data.appointment_id, session=session)


def _on_session_signed(sender: Any, *, actor: Any, session: Any, **kw: Any) -> None:
    from imsclinic.scheduling.charting_link import session_signed

    session_signed(actor=actor, session=session)


def _session_form_initial(
    sender: Any, *, actor: Any, patient: Any, query: Any, **kw: Any
) -> dict[str, str] | None:
    from imsclinic.scheduling.selectors import chart_values

    if not query.get("appointment"):
        return None
    return chart_values(actor=actor, patient=patient, appointment_id=query["appointment"])


class SchedulingConfig(AppConfig):
    name = "imsclinic.scheduling"
    label = "scheduling"
    verbose_name = "IMS Clinic scheduling"

    def ready(self) -> None:
        from imsclinic.charting import events

        post_migrate.connect(_reinstall_overlap_guard, sender=self)
        # Charting announces; scheduling links the appointment a session is charted from
        # and completes it when the note is signed (charting_link.py).
        events.session_written.connect(_on_session_written, dispatch_uid="scheduling.written")
        events.session_signed.connect(_on_session_signed, dispatch_uid="scheduling.signed")
        events.session_form_initial.connect(_session_form_initial, dispatch_uid="scheduling.form")

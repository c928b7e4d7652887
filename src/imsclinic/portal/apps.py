from typing import Any

from django.apps import AppConfig


def _intake_with_booking(sender: type, *, actor: Any, appointment: Any, **kwargs: Any) -> None:
    # A new patient's first booking e-mails the intake form (scheduling.events).
    from imsclinic.portal.actions import intake_link_for_booking

    intake_link_for_booking(actor=actor, appointment=appointment)


class PortalConfig(AppConfig):
    name = "imsclinic.portal"
    label = "portal"
    verbose_name = "IMS Clinic patients' side"

    def ready(self) -> None:
        from imsclinic.scheduling.events import appointment_booked

        appointment_booked.connect(_intake_with_booking, dispatch_uid="portal.intake_with_booking")

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_billing_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table, so the
    # guards are (re)installed after every migrate; the statements are idempotent.
    from django.db import connections

    from imsclinic.billing.guards import install_billing_guards

    install_billing_guards(connections[using])


def _propose_charge(sender: type, *, actor: Any, session: Any, **kwargs: Any) -> None:
    # A signed session waits in the billing queue (charting.events.session_signed).
    from imsclinic.billing.actions import propose_charge_for_session

    propose_charge_for_session(actor=actor, session=session)


class BillingConfig(AppConfig):
    name = "imsclinic.billing"
    label = "billing"
    verbose_name = "IMS Clinic billing"

    def ready(self) -> None:
        from imsclinic.charting.events import session_signed

        post_migrate.connect(_reinstall_billing_guards, sender=self)
        session_signed.connect(_propose_charge, dispatch_uid="billing.propose_charge")

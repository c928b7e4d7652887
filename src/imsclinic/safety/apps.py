from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table.
    from django.db import connections

    from imsclinic.safety.db_guards import install_signed_record_guards

    install_signed_record_guards(connections[using])


class SafetyConfig(AppConfig):
    name = "imsclinic.safety"
    label = "safety"
    verbose_name = "IMS Clinic safety operations"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_guards, sender=self)

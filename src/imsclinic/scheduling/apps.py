from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_overlap_guard(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table, so the
    # double-booking trigger is (re)installed after every migrate; it is idempotent.
    from django.db import connections

    from imsclinic.scheduling.guards import install_overlap_guard

    install_overlap_guard(connections[using])


class SchedulingConfig(AppConfig):
    name = "imsclinic.scheduling"
    label = "scheduling"
    verbose_name = "IMS Clinic scheduling"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_overlap_guard, sender=self)

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_rollup_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table.
    from django.db import connections

    from imsclinic.charting import rollup

    rollup.install(connections[using])


class ChartingConfig(AppConfig):
    name = "imsclinic.charting"
    label = "charting"

    def ready(self) -> None:
        from imsclinic.charting.integrity import verify_clinic
        from imsclinic.core.seals import register_checker

        post_migrate.connect(_reinstall_rollup_triggers, sender=self)
        # `imsclinic audit verify` checks every signed note and amendment against its seal.
        register_checker(verify_clinic)

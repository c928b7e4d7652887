from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_guards(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # SQLite drops a table's triggers when a later migration rebuilds the table, so the
    # guards are (re)installed after every migrate; the statements are idempotent.
    from django.db import connections

    from imsclinic.security.db_guards import install_all_guards

    install_all_guards(connections[using])


class SecurityConfig(AppConfig):
    name = "imsclinic.security"
    label = "security"
    verbose_name = "IMS Clinic security"

    def ready(self) -> None:
        # Django sends post_migrate only for apps with models, which this one has none
        # of: listen for the core app's (sent once the whole migrate has run).
        from django.apps import apps

        post_migrate.connect(_reinstall_guards, sender=apps.get_app_config("core"))

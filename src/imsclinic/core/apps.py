from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "imsclinic.core"
    label = "core"
    verbose_name = "IMS Clinic core"

    def ready(self) -> None:
        from imsclinic.core import checks  # noqa: F401 (registers the deployment checks)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "imsclinic.core"
    label = "core"
    verbose_name = "IMS Clinic core"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic demo clinics (`imsclinic demo`), written through the actions."""

    name = "imsclinic.demo"
    label = "demo"

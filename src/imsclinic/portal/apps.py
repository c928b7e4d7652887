from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "imsclinic.portal"
    label = "portal"
    verbose_name = "IMS Clinic patients' side"

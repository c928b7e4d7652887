from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "imsclinic.fhir"
    label = "fhir"
    verbose_name = "FHIR R4"

"""/fhir/R4: one include line in config/urls.py ("fhir/"). The base is served with and
without the trailing slash (clients POST transactions to [base] exactly). Specific routes
come before the generic [type] and [type]/[id] ones."""

from django.urls import path

from imsclinic.fhir import views

app_name = "fhir"

urlpatterns = [
    path("R4", views.base, name="base"),
    path("R4/", views.base, name="base_slash"),
    path("R4/metadata", views.metadata, name="metadata"),
    path("R4/$export", views.export_system, name="export"),
    path("R4/Patient/$export", views.export_patients, name="patient_export"),
    path("R4/Group/<str:resource_id>/$export", views.export_group, name="group_export"),
    path("R4/Patient/<str:resource_id>/$everything", views.everything, name="everything"),
    path("R4/bulk/<uuid:key>", views.bulk_status, name="bulk_status"),
    path("R4/bulk/<uuid:key>/<str:name>", views.bulk_file, name="bulk_file"),
    path("R4/<str:type_name>", views.resource_type, name="type"),
    path("R4/<str:type_name>/<str:resource_id>", views.instance, name="instance"),
]

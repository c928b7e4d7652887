from django.urls import path

from imsclinic.safety import views

app_name = "safety"

urlpatterns = [
    path("recall/", views.recall, name="recall"),
    path("recall/export.csv", views.recall_export, name="recall_export"),
    path("needle-stock/", views.needle_stock, name="needle_stock"),
    path("needle-stock/check/", views.lot_check, name="lot_check"),
    path("follow-ups/", views.followup_list, name="followup_list"),
    path("follow-ups/<int:followup_id>/", views.followup_detail, name="followup_detail"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/start/<int:session_id>/", views.incident_start, name="incident_start"),
    path("incidents/<int:report_id>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:report_id>/sign/", views.incident_sign, name="incident_sign"),
    path("incidents/<int:report_id>/report.pdf", views.incident_pdf, name="incident_pdf"),
    path("notifications/", views.notification_list, name="notification_list"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
]

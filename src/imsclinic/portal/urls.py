from django.urls import path

from imsclinic.portal import views

urlpatterns = [
    path(
        "episodes/<int:episode_id>/questionnaire-links/email/",
        views.questionnaire_link_email,
        name="questionnaire_link_email",
    ),
    path(
        "patients/<int:patient_id>/intake/send/",
        views.intake_link_email,
        name="intake_link_email",
    ),
    path("patients/<int:patient_id>/intake/", views.intake_review, name="intake_review"),
    path("patients/<int:patient_id>/intake/accept/", views.intake_accept, name="intake_accept"),
    path("intake/<str:token>/", views.intake_form, name="intake_form"),
]

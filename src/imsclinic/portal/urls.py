from django.urls import path

from imsclinic.portal import views

urlpatterns = [
    path(
        "episodes/<int:episode_id>/questionnaire-links/email/",
        views.questionnaire_link_email,
        name="questionnaire_link_email",
    ),
]

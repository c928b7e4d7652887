from django.contrib.auth import views as auth_views
from django.urls import path

from imsclinic.api.v1 import api
from imsclinic.charting import views as charting
from imsclinic.patients import views as patients

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", patients.dashboard, name="dashboard"),
    path("patients/", patients.patient_list, name="patient_list"),
    path("patients/new/", patients.patient_new, name="patient_new"),
    path("patients/<int:patient_id>/", charting.patient_chart, name="patient_chart"),
    path("patients/<int:patient_id>/edit/", patients.patient_edit, name="patient_edit"),
    path("patients/<int:patient_id>/consent/", patients.consent_new, name="consent_new"),
    path("patients/<int:patient_id>/episodes/new/", charting.episode_new, name="episode_new"),
    path(
        "patients/<int:patient_id>/assessments/new/", charting.assessment_new, name="assessment_new"
    ),
    path("patients/<int:patient_id>/sessions/new/", charting.session_new, name="session_new"),
    path("assessments/<int:assessment_id>/", charting.assessment_detail, name="assessment_detail"),
    path("assessments/<int:assessment_id>/sign/", charting.assessment_sign, name="assessment_sign"),
    path("sessions/<int:session_id>/", charting.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/edit/", charting.session_edit, name="session_edit"),
    path("sessions/<int:session_id>/sign/", charting.session_sign, name="session_sign"),
    path(
        "sessions/<int:note_id>/amend/",
        charting.note_amend,
        {"kind": "session"},
        name="session_amend",
    ),
    path(
        "assessments/<int:note_id>/amend/",
        charting.note_amend,
        {"kind": "assessment"},
        name="assessment_amend",
    ),
    path(
        "patients/<int:patient_id>/segments/preview/",
        charting.segments_preview,
        name="segments_preview",
    ),
    path("muscles/search/", charting.muscle_search, name="muscle_search"),
    path("api/", api.urls),
]

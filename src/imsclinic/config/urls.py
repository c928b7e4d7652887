from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from imsclinic.accounts import views as accounts
from imsclinic.api.middleware import not_found as api_not_found
from imsclinic.api.v1 import api
from imsclinic.charting import views as charting
from imsclinic.charting.discharge import episode_discharge_page
from imsclinic.outcomes import views as outcomes
from imsclinic.patients import views as patients
from imsclinic.reports import views as reports
from imsclinic.scheduling.views.today import today
from imsclinic.security import views as security

urlpatterns = [
    path("login/", accounts.login_view, name="login"),
    path("login/verify/", accounts.login_verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/mfa/", accounts.mfa_setup, name="mfa_setup"),
    path("account/password/", accounts.password_change, name="password_change"),
    path("audit/", security.audit_report, name="audit_report"),
    path("audit/export.csv", security.audit_export, name="audit_export"),
    path("patients/<int:patient_id>/access/", security.patient_access, name="patient_access"),
    path("patients/<int:patient_id>/archive/", patients.patient_archive, name="patient_archive"),
    path("patients/<int:patient_id>/restore/", patients.patient_restore, name="patient_restore"),
    path("patients/<int:patient_id>/merge/", patients.patient_merge, name="patient_merge"),
    path("clinic/consent-texts/", patients.consent_texts, name="consent_texts"),
    path("", today, name="dashboard"),
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
    path("episodes/<int:episode_id>/progress/", outcomes.episode_progress, name="episode_progress"),
    path("episodes/<int:episode_id>/discharge/", episode_discharge_page, name="episode_discharge"),
    path("episodes/<int:episode_id>/report.pdf", reports.episode_report_pdf, name="episode_report"),
    path(
        "episodes/<int:episode_id>/questionnaires/schedule/",
        outcomes.schedule_add,
        name="questionnaire_schedule_add",
    ),
    path(
        "episodes/<int:episode_id>/questionnaires/link/",
        outcomes.link_create,
        name="questionnaire_link_create",
    ),
    path(
        "episodes/<int:episode_id>/questionnaires/<str:code>/fill/",
        outcomes.questionnaire_fill,
        name="questionnaire_fill",
    ),
    path("q/<str:token>/", outcomes.questionnaire_link, name="questionnaire_link"),
    path("outcomes/", outcomes.clinic_outcomes, name="clinic_outcomes"),
    path("clinic/questionnaire-wording/", outcomes.measure_wording, name="measure_wording"),
    path("outcomes/export.csv", outcomes.research_export_csv, name="research_export_csv"),
    path(
        "outcomes/export-dictionary/",
        outcomes.research_export_dictionary,
        name="research_export_dictionary",
    ),
    path("", include("imsclinic.accounts.urls")),
    path("billing/", include("imsclinic.billing.urls")),
    path("safety/", include("imsclinic.safety.urls")),
    path("", include("imsclinic.scheduling.urls")),
    path("", include("imsclinic.portal.urls")),
    path("api/", api.urls),
    path("fhir/", include("imsclinic.fhir.urls")),
    re_path(r"^api/(?P<rest>.*)$", api_not_found, name="api_not_found"),
]

# A database that cannot be reached answers 503 with Retry-After (core/availability.py).
handler500 = "imsclinic.core.availability.server_error"

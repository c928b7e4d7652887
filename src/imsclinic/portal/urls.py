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

urlpatterns += [
    path("portal/", views.portal_home, name="portal_home"),
    path("portal/sign-out/", views.portal_sign_out, name="portal_sign_out"),
    path("portal/sign-in/<str:token>/", views.portal_sign_in, name="portal_sign_in"),
    path(
        "portal/appointments/<int:appointment_id>/confirm/",
        views.portal_appointment_confirm,
        name="portal_appointment_confirm",
    ),
    path(
        "portal/appointments/<int:appointment_id>/cancel/",
        views.portal_appointment_cancel,
        name="portal_appointment_cancel",
    ),
    path("portal/receipts/", views.portal_receipts, name="portal_receipts"),
    path(
        "portal/receipts/<int:invoice_id>.pdf",
        views.portal_receipt_pdf,
        name="portal_receipt_pdf",
    ),
    path("portal/<slug:clinic_slug>/", views.portal_sign_in_request, name="portal_sign_in_request"),
]

urlpatterns += [
    path("learn/", views.learn_index, name="learn_index"),
    path("learn/<slug:topic>/", views.learn_page, name="learn_page"),
    path("patients/<int:patient_id>/learn/send/", views.learn_send, name="learn_send"),
]

from django.urls import path

from imsclinic.accounts import staff_views, views

urlpatterns = [
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/<int:user_id>/", staff_views.staff_detail, name="staff_detail"),
    path("clinic/settings/", staff_views.clinic_settings, name="clinic_settings"),
    path("account/mfa/off/", views.mfa_disable, name="mfa_disable"),
]

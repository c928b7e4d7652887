"""Scheduling routes, included once from config/urls.py."""

from django.urls import path

from imsclinic.scheduling.views import appointment, booking, calendar, public, requests, setup

urlpatterns = [
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("calendar/book/", booking.appointment_new, name="appointment_new"),
    path(
        "calendar/patient-search/",
        booking.appointment_patient_search,
        name="appointment_patient_search",
    ),
    path(
        "calendar/appointments/<int:appointment_id>/",
        appointment.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "calendar/appointments/<int:appointment_id>/status/",
        appointment.appointment_status,
        name="appointment_status",
    ),
    path(
        "calendar/appointments/<int:appointment_id>/move/",
        appointment.appointment_move,
        name="appointment_move",
    ),
    path(
        "calendar/appointments/<int:appointment_id>/cancel/",
        appointment.appointment_cancel,
        name="appointment_cancel",
    ),
    path("calendar/requests/", requests.booking_requests, name="booking_requests"),
    path(
        "calendar/requests/<int:appointment_id>/",
        requests.booking_request_detail,
        name="booking_request_detail",
    ),
    path("calendar/waitlist/", requests.waitlist_view, name="waitlist"),
    path(
        "calendar/waitlist/<int:entry_id>/remove/", requests.waitlist_remove, name="waitlist_remove"
    ),
    path("calendar/mine/", calendar.my_schedule, name="my_schedule"),
    path(
        "calendar/practitioners/<int:practitioner_id>/",
        setup.practitioner_schedule,
        name="practitioner_schedule",
    ),
    path(
        "calendar/practitioners/<int:practitioner_id>/time-off/",
        calendar.time_off_add,
        name="time_off_add",
    ),
    path(
        "calendar/time-off/<int:time_off_id>/remove/",
        calendar.time_off_remove,
        name="time_off_remove",
    ),
    path(
        "calendar/practitioners/<int:practitioner_id>/feed/",
        calendar.calendar_feed_link,
        name="calendar_feed_link",
    ),
    path("calendar/setup/", setup.schedule_setup, name="schedule_setup"),
    path("calendar/setup/locations/new/", setup.location_edit, name="location_new"),
    path("calendar/setup/locations/<int:location_id>/", setup.location_edit, name="location_edit"),
    path("calendar/setup/types/new/", setup.appointment_type_edit, name="appointment_type_new"),
    path(
        "calendar/setup/types/<int:type_id>/",
        setup.appointment_type_edit,
        name="appointment_type_edit",
    ),
    # Public: no account. The feed's token is its only key.
    path("calendar/feed/<str:token>.ics", public.calendar_feed, name="calendar_feed"),
    path("book/<slug:clinic_slug>/", public.public_booking, name="public_booking"),
    path(
        "book/<slug:clinic_slug>/details/",
        public.public_booking_details,
        name="public_booking_details",
    ),
    path("a/<str:token>/", public.appointment_link, name="appointment_link"),
    path("w/<str:token>/", public.waitlist_offer, name="waitlist_offer"),
]

"""Scheduling pages, one module per screen: the staff calendar (calendar.py), booking from
it (booking.py), the appointment page (appointment.py), online requests and the waitlist
(requests.py), the admin's set-up (setup.py), the public pages patients use without an
account (public.py) and the Today list (today.py); forms.py holds their shared helpers."""

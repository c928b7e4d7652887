"""What scheduling tells the rooms above it, so that it never imports them.

A room that must act when an appointment is booked (the patients' side e-mails a new
patient the intake form) connects a receiver in its AppConfig.ready(). Receivers run
synchronously inside the booking's transaction, like those of ``charting.events``: what
they write (an outbox row) commits or rolls back with the appointment.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: Appointment (the class); keyword arguments: actor (the staff Actor who booked,
# or who confirmed an online request), appointment (booked, with its patient). A course
# sends it once, for its first appointment.
appointment_booked = Signal()

"""What charting tells the rooms above it, so that it never imports them.

A room that must act when a note changes state (billing proposes the visit's charge,
scheduling completes the appointment, safety opens a follow-up) connects a receiver in
its AppConfig.ready(). Receivers run synchronously inside the action's transaction: what
they write commits or rolls back with the note, and an exception they raise refuses the
action. The business rules stay in the receiving room's actions; a receiver only calls one.
"""

from __future__ import annotations

from django.dispatch import Signal

# sender: TreatmentSession; keyword arguments: actor, session (signed, with content hash).
session_signed = Signal()

# sender: TreatmentSession; keyword arguments: actor, session (just written, unsigned),
# data (the SessionIn it was written from), created (True for a new note, False for an
# edit of a draft).
session_written = Signal()

# sender: TreatmentSession; keyword arguments: actor, patient, query (the new-session page's
# GET parameters). A receiver returns a dict of form values to start from (scheduling: the
# date and link of the appointment the session is charted from), or None.
session_form_initial = Signal()

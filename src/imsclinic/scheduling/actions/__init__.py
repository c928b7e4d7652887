"""The one write path of scheduling. Pages, the JSON API, the demo and tests call these.

- booking: appointment_book, appointment_move, appointment_cancel, appointment_set_status
- course: course_plan (writes nothing), course_book (all or none)
- online: online_book (public page), request_accept, request_decline, link_confirm,
  link_cancel
- waitlist: waitlist_add, waitlist_remove, offer_accept
- setup: settings_save, location_save, appointment_type_save, schedule_save,
  time_off_add, time_off_remove, feed_issue, feed_revoke
- charting: session_recorded, session_signed (scheduling/charting_link.py)
"""

from imsclinic.scheduling.actions.booking import (
    BookingConflict,
    Conflict,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_set_status,
)
from imsclinic.scheduling.actions.course import CoursePlan, Occurrence, course_book, course_plan
from imsclinic.scheduling.actions.online import (
    LinkGone,
    OnlineOutcome,
    RateLimited,
    link_cancel,
    link_confirm,
    link_open,
    online_book,
    public_clinic,
    request_accept,
    request_decline,
    throttle,
)
from imsclinic.scheduling.actions.setup import (
    appointment_type_save,
    feed_issue,
    feed_revoke,
    location_save,
    schedule_save,
    settings_save,
    time_off_add,
    time_off_remove,
)
from imsclinic.scheduling.actions.waitlist import (
    OfferGone,
    offer_accept,
    offer_open,
    waitlist_add,
    waitlist_remove,
)
from imsclinic.scheduling.charting_link import session_recorded, session_signed

__all__ = [
    "BookingConflict",
    "Conflict",
    "CoursePlan",
    "LinkGone",
    "Occurrence",
    "OfferGone",
    "OnlineOutcome",
    "RateLimited",
    "appointment_book",
    "appointment_cancel",
    "appointment_move",
    "appointment_set_status",
    "appointment_type_save",
    "course_book",
    "course_plan",
    "feed_issue",
    "feed_revoke",
    "link_cancel",
    "link_confirm",
    "link_open",
    "location_save",
    "offer_accept",
    "offer_open",
    "online_book",
    "public_clinic",
    "request_accept",
    "request_decline",
    "schedule_save",
    "session_recorded",
    "session_signed",
    "settings_save",
    "throttle",
    "time_off_add",
    "time_off_remove",
    "waitlist_add",
    "waitlist_remove",
]

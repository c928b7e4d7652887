"""The one write path of the patients' side, one module per topic: questionnaire links
(questionnaires.py), intake links, submissions and their review (intake.py), portal sign-in
and the patient's own appointments (sign_in.py), IMS-explained pages sent from the chart
(learn.py), and the token, e-mail and link-opening helpers they share (common.py).

Every e-mail goes through the outbox in the action's transaction; the token is in the
message's erased-after-sending secrets only, and the database keeps its SHA-256.
Import from here: ``from imsclinic.portal.actions import intake_submit``."""

from imsclinic.portal.actions.common import (
    CONSENT_VERSION_BY_LANGUAGE,
    EMAILS,
    LinkGone,
    consent_version_for,
)
from imsclinic.portal.actions.intake import (
    INTAKE_BEFORE_VISIT_DAYS_MIN,
    INTAKE_DAYS_MAX,
    INTAKE_LINK,
    baseline_asked,
    intake_accept,
    intake_is_due,
    intake_link_for_booking,
    intake_link_send,
    intake_open,
    intake_submit,
)
from imsclinic.portal.actions.learn import (
    LEARN_PAGE,
    learn_page_send,
)
from imsclinic.portal.actions.questionnaires import (
    QUESTIONNAIRE_LINK,
    questionnaire_link_email,
)
from imsclinic.portal.actions.sign_in import (
    LATE_CANCEL,
    PORTAL_LINK,
    PORTAL_LINK_MINUTES,
    portal_appointment_cancel,
    portal_appointment_confirm,
    portal_link_open,
    portal_link_request,
    portal_patient_event,
    portal_sign_in,
)

__all__ = [
    "CONSENT_VERSION_BY_LANGUAGE",
    "EMAILS",
    "INTAKE_BEFORE_VISIT_DAYS_MIN",
    "INTAKE_DAYS_MAX",
    "INTAKE_LINK",
    "LATE_CANCEL",
    "LEARN_PAGE",
    "PORTAL_LINK",
    "PORTAL_LINK_MINUTES",
    "QUESTIONNAIRE_LINK",
    "LinkGone",
    "baseline_asked",
    "consent_version_for",
    "intake_accept",
    "intake_is_due",
    "intake_link_for_booking",
    "intake_link_send",
    "intake_open",
    "intake_submit",
    "learn_page_send",
    "portal_appointment_cancel",
    "portal_appointment_confirm",
    "portal_link_open",
    "portal_link_request",
    "portal_patient_event",
    "portal_sign_in",
    "questionnaire_link_email",
]

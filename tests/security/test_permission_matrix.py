"""The permission matrix: every page route and every API operation, for every role, on an
object of the caller's own clinic and of another clinic, against an explicit table.

A route or operation missing from the table fails the suite, so a new one cannot ship
without someone deciding who may use it. Another clinic's object is always 404, never
403 (clinic isolation); a role refusal is 403 whatever the object; both are audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from imsclinic.accounts.actions.tokens import _token_create
from imsclinic.api.v1 import api
from imsclinic.billing import actions as billing
from imsclinic.billing.models import VisitCharge
from imsclinic.billing.schemas import InvoiceIn, LineIn
from imsclinic.charting import actions as charting
from imsclinic.charting.schemas import AssessmentIn
from imsclinic.core.models import AuditEvent
from tests.billing.builders import give_credentials, make_fee_schedule, make_payer
from tests.factories import (
    insertion,
    make_actor,
    make_clinic,
    make_consented_patient,
    make_episode,
    make_practitioner,
    make_session,
    make_user,
    today,
)
from tests.safety.builders import safety_records
from tests.scheduling.builders import matrix_api_bodies, matrix_api_url, matrix_records

ROLES = ("anonymous", "front_desk", "practitioner", "admin")
LOGIN = 302  # anonymous page requests are sent to the login page
NA = None  # no object of another clinic to try (route takes no object id)


@dataclass(frozen=True)
class Exp:
    """Expected status per role (anonymous, front_desk, practitioner, admin)."""

    own: tuple[int, int, int, int]
    other: tuple[int, int, int, int] | None = NA


# Pages: GET on each route. POST-only views answer a GET with a redirect, after the same
# role and clinic checks. Front desk: demographics only (the chart redirects it to the
# registration details); no clinical notes, outcomes or audit.
PAGES: dict[str, Exp] = {
    "login": Exp((200, 200, 200, 200)),
    "login_verify": Exp((302, 302, 302, 302)),  # no password step pending: back to login
    "logout": Exp((405, 405, 405, 405)),  # POST only
    "mfa_setup": Exp((LOGIN, 200, 200, 200)),
    "password_change": Exp((LOGIN, 200, 200, 200)),
    "audit_report": Exp((LOGIN, 403, 403, 200)),
    "audit_export": Exp((LOGIN, 403, 403, 200)),
    "patient_access": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "patient_archive": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "patient_merge": Exp((LOGIN, 403, 403, 200), (LOGIN, 403, 403, 404)),
    "patient_restore": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "dashboard": Exp((LOGIN, 200, 200, 200)),
    "patient_list": Exp((LOGIN, 200, 200, 200)),
    "patient_new": Exp((LOGIN, 200, 200, 200)),
    "patient_chart": Exp((LOGIN, 302, 200, 200), (LOGIN, 302, 404, 404)),
    "patient_edit": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "consent_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "episode_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_new": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_sign": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "session_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_edit": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "session_sign": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "session_amend": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "assessment_amend": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "segments_preview": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "muscle_search": Exp((LOGIN, 403, 200, 200)),
    "episode_discharge": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "episode_progress": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "episode_report": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "questionnaire_schedule_add": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "questionnaire_link_create": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "questionnaire_fill": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    # The patient's single-use link: no login; an unknown token is a 404 for everyone.
    "questionnaire_link": Exp((404, 404, 404, 404)),
    # The patients' side (issue 15): clinicians e-mail links and review intakes.
    "questionnaire_link_email": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),
    "intake_link_email": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),  # POST only
    "intake_review": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "intake_accept": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),  # POST only
    "intake_form": Exp((404, 404, 404, 404)),  # the patient's single-use link
    # The patient portal: its own sign-in (a staff login gives no portal access).
    "portal_home": Exp((200, 200, 200, 200)),  # the signed-out page
    "portal_sign_out": Exp((200, 200, 200, 200)),
    "portal_sign_in": Exp((404, 404, 404, 404)),
    "portal_sign_in_request": Exp((200, 200, 200, 200)),
    "portal_appointment_confirm": Exp((200, 200, 200, 200), (200, 200, 200, 200)),
    "portal_appointment_cancel": Exp((200, 200, 200, 200), (200, 200, 200, 200)),
    "portal_receipts": Exp((200, 200, 200, 200)),  # the signed-out page
    "portal_receipt_pdf": Exp((200, 200, 200, 200), (200, 200, 200, 200)),
    "learn_index": Exp((200, 200, 200, 200)),  # IMS explained: public reading
    "learn_page": Exp((200, 200, 200, 200)),
    "learn_send": Exp((LOGIN, 403, 302, 302), (LOGIN, 403, 404, 404)),  # POST only
    "clinic_outcomes": Exp((LOGIN, 403, 200, 200)),
    "research_export_csv": Exp((LOGIN, 403, 200, 200)),
    "research_export_dictionary": Exp((LOGIN, 403, 200, 200)),
    "measure_wording": Exp((LOGIN, 403, 403, 200)),
    # Billing: front desk and admins bill; practitioners read the billing of their own
    # visits (the matrix's invoices are the practitioner's); fees and settings are admin's.
    "billing_home": Exp((LOGIN, 200, 200, 200)),
    "charge_invoice": Exp((LOGIN, 200, 403, 200), (LOGIN, 404, 403, 404)),
    "charge_dismiss": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "invoice_new": Exp((LOGIN, 200, 403, 200), (LOGIN, 404, 403, 404)),
    "invoice_detail": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "invoice_line_add": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "invoice_line_remove": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "invoice_issue": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "invoice_discard": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "payment_new": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "credit_note_new": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "invoice_receipt": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "patient_account": Exp((LOGIN, 200, 403, 200), (LOGIN, 404, 403, 404)),
    "payer_add": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "payer_end": Exp((LOGIN, 302, 403, 302), (LOGIN, 404, 403, 404)),
    "fee_schedule": Exp((LOGIN, 200, 403, 200)),
    "service_save": Exp((LOGIN, 403, 403, 302)),
    "price_set": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "tax_rule_save": Exp((LOGIN, 403, 403, 302)),
    "billing_settings": Exp((LOGIN, 403, 403, 200)),
    "billing_reports": Exp((LOGIN, 200, 403, 200)),
    "billing_journal_csv": Exp((LOGIN, 200, 403, 200)),
    # Safety (issue 19): recall and incident reports are the admin's; a practitioner reads
    # the reports of their own sessions and completes their follow-ups; stock is for all staff.
    "safety:recall": Exp((LOGIN, 403, 403, 200)),
    "safety:recall_export": Exp((LOGIN, 403, 403, 422)),  # no lot given: "Enter the lot"
    "safety:needle_stock": Exp((LOGIN, 200, 200, 200)),
    "safety:lot_check": Exp((LOGIN, 403, 200, 200)),
    "safety:followup_list": Exp((LOGIN, 403, 200, 200)),
    "safety:followup_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "safety:incident_list": Exp((LOGIN, 403, 403, 200)),
    "safety:incident_start": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "safety:incident_detail": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "safety:incident_sign": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    "safety:incident_pdf": Exp((LOGIN, 403, 200, 200), (LOGIN, 403, 404, 404)),
    "safety:notification_list": Exp((LOGIN, 403, 403, 200)),
    "safety:notification_read": Exp((LOGIN, 403, 403, 302), (LOGIN, 403, 403, 404)),
    # Scheduling (issue 13): all staff book; set-up is the admin's; a practitioner's own
    # schedule page is theirs and the admin's. Public pages need no login: an unknown
    # token is a 404, the booking page of a clinic that takes online bookings is open.
    "calendar": Exp((LOGIN, 200, 200, 200)),
    "appointment_new": Exp((LOGIN, 200, 200, 200)),
    "appointment_patient_search": Exp((LOGIN, 200, 200, 200)),
    "appointment_detail": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "appointment_status": Exp((LOGIN, 302, 302, 302), (LOGIN, 404, 404, 404)),  # POST only
    "appointment_move": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "appointment_cancel": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "booking_requests": Exp((LOGIN, 200, 200, 200)),
    "booking_request_detail": Exp((LOGIN, 200, 200, 200), (LOGIN, 404, 404, 404)),
    "waitlist": Exp((LOGIN, 200, 200, 200)),
    "waitlist_remove": Exp((LOGIN, 302, 302, 302), (LOGIN, 404, 404, 404)),  # POST only
    "my_schedule": Exp((LOGIN, 302, 302, 302)),
    "practitioner_schedule": Exp((LOGIN, 403, 200, 200), (LOGIN, 404, 404, 404)),
    "time_off_add": Exp((LOGIN, 403, 302, 302), (LOGIN, 404, 404, 404)),  # POST only
    "time_off_remove": Exp((LOGIN, 403, 302, 302), (LOGIN, 404, 404, 404)),  # POST only
    "calendar_feed_link": Exp((LOGIN, 403, 302, 302), (LOGIN, 404, 404, 404)),  # POST only
    "schedule_setup": Exp((LOGIN, 403, 403, 200)),
    "location_new": Exp((LOGIN, 403, 403, 200)),
    "location_edit": Exp((LOGIN, 403, 403, 200), (LOGIN, 403, 403, 404)),
    "appointment_type_new": Exp((LOGIN, 403, 403, 200)),
    "appointment_type_edit": Exp((LOGIN, 403, 403, 200), (LOGIN, 403, 403, 404)),
    "calendar_feed": Exp((404, 404, 404, 404)),
    "public_booking": Exp((200, 200, 200, 200)),
    "public_booking_details": Exp((400, 400, 400, 400)),  # no time chosen yet
    "appointment_link": Exp((404, 404, 404, 404)),
    "waitlist_offer": Exp((404, 404, 404, 404)),
    # Admin > Practitioners (issue 16): staff, authorizations, account recovery.
    "staff_list": Exp((LOGIN, 403, 403, 200)),
    "staff_new": Exp((LOGIN, 403, 403, 200)),
    "staff_detail": Exp((LOGIN, 403, 403, 200), (LOGIN, 403, 403, 404)),
    "mfa_disable": Exp((LOGIN, 302, 302, 302)),
    "clinic_settings": Exp((LOGIN, 403, 403, 200)),
    "consent_texts": Exp((LOGIN, 403, 403, 200)),  # POST only: a GET goes to the set-up page
    # The API's own routes are covered operation by operation below.
    "openapi-json": Exp((200, 200, 200, 200)),
    # Any other /api/ path: the JSON error shape's 404 for everyone (no record involved).
    "api_not_found": Exp((404, 404, 404, 404)),
    "openapi-view": Exp((200, 200, 200, 200)),
}

# API operations: (method, path) -> expectation. Anonymous = no token (401). Object-level:
# only a note's author edits, signs or amends it (the admin is not the author here: 403).
# Recording a session needs needling authorization (the admin has none: 422).
API: dict[tuple[str, str], Exp] = {
    ("POST", "/api/v1/auth/token"): Exp((200, 200, 200, 200)),
    ("POST", "/api/v1/auth/revoke"): Exp((401, 200, 200, 200)),
    ("GET", "/api/v1/muscles"): Exp((401, 403, 200, 200)),
    ("POST", "/api/v1/segments/infer"): Exp((401, 403, 200, 200)),
    ("POST", "/api/v1/patients/{patient_id}/plans"): Exp(
        (401, 403, 200, 200), (401, 403, 404, 404)
    ),
    ("GET", "/api/v1/measures"): Exp((401, 200, 200, 200)),  # published definitions only
    ("POST", "/api/v1/measures/{code}/score"): Exp((401, 200, 200, 200)),  # no patient data
    ("POST", "/api/v1/episodes/{episode_id}/questionnaire-links"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("GET", "/api/v1/patients"): Exp((401, 200, 200, 200)),
    ("POST", "/api/v1/patients"): Exp((401, 201, 201, 201)),
    ("GET", "/api/v1/patients/{patient_id}"): Exp((401, 200, 200, 200), (401, 404, 404, 404)),
    ("PUT", "/api/v1/patients/{patient_id}"): Exp((401, 200, 200, 200), (401, 404, 404, 404)),
    ("POST", "/api/v1/patients/{patient_id}/consents"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/episodes"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/assessments"): Exp(
        (401, 403, 201, 201), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/sessions"): Exp(
        (401, 403, 201, 422), (401, 403, 404, 404)
    ),
    ("GET", "/api/v1/patients/{patient_id}/chart"): Exp((401, 403, 200, 200), (401, 403, 404, 404)),
    ("GET", "/api/v1/sessions/{session_id}"): Exp((401, 403, 200, 200), (401, 403, 404, 404)),
    ("PUT", "/api/v1/sessions/{session_id}"): Exp((401, 403, 200, 403), (401, 403, 404, 404)),
    ("POST", "/api/v1/sessions/{session_id}/sign"): Exp((401, 403, 200, 403), (401, 403, 404, 404)),
    ("POST", "/api/v1/sessions/{session_id}/amendments"): Exp(
        (401, 403, 201, 403), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/sign"): Exp(
        (401, 403, 200, 403), (401, 403, 404, 404)
    ),
    ("POST", "/api/v1/assessments/{assessment_id}/amendments"): Exp(
        (401, 403, 201, 403), (401, 403, 404, 404)
    ),
    # Billing: front desk and admins; practitioners read their own visits' invoices.
    ("GET", "/api/v1/invoices"): Exp((401, 200, 200, 200)),
    ("POST", "/api/v1/invoices"): Exp((401, 201, 403, 201)),
    ("GET", "/api/v1/invoices/{invoice_id}"): Exp((401, 200, 200, 200), (401, 404, 404, 404)),
    ("DELETE", "/api/v1/invoices/{invoice_id}"): Exp((401, 204, 403, 204), (401, 404, 403, 404)),
    ("POST", "/api/v1/invoices/{invoice_id}/lines"): Exp(
        (401, 201, 403, 201), (401, 404, 403, 404)
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/issue"): Exp(
        (401, 200, 403, 200), (401, 404, 403, 404)
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/payments"): Exp(
        (401, 201, 403, 201), (401, 404, 403, 404)
    ),
    ("POST", "/api/v1/invoices/{invoice_id}/credit-notes"): Exp(
        (401, 201, 403, 201), (401, 404, 403, 404)
    ),
    ("GET", "/api/v1/invoices/{invoice_id}/receipt.pdf"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("GET", "/api/v1/visit-charges"): Exp((401, 200, 200, 200)),
    ("POST", "/api/v1/visit-charges/{charge_id}/invoices"): Exp(
        (401, 201, 403, 201), (401, 404, 403, 404)
    ),
    ("GET", "/api/v1/needle-lots/{lot}/sessions"): Exp((401, 403, 403, 200)),
    ("GET", "/api/v1/follow-ups"): Exp((401, 403, 200, 200)),
    ("GET", "/api/v1/follow-ups/{followup_id}"): Exp((401, 403, 200, 200), (401, 403, 404, 404)),
    ("GET", "/api/v1/incident-reports"): Exp((401, 403, 200, 200)),
    ("GET", "/api/v1/incident-reports/{report_id}"): Exp(
        (401, 403, 200, 200), (401, 403, 404, 404)
    ),
    # Scheduling: front desk and clinicians book (issue 13).
    ("GET", "/api/v1/appointment-types"): Exp((401, 200, 200, 200)),
    ("GET", "/api/v1/practitioners/{practitioner_id}/availability"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("GET", "/api/v1/appointments"): Exp((401, 200, 200, 200)),
    ("POST", "/api/v1/appointments"): Exp((401, 201, 201, 201)),
    ("GET", "/api/v1/appointments/{appointment_id}"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("POST", "/api/v1/appointments/{appointment_id}/move"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("POST", "/api/v1/appointments/{appointment_id}/status"): Exp(
        (401, 200, 200, 200), (401, 404, 404, 404)
    ),
    ("POST", "/api/v1/patients/{patient_id}/courses"): Exp(
        (401, 201, 201, 201), (401, 404, 404, 404)
    ),
}
# Pages without a login whose refusals are not a staff member's denied access.
PUBLIC_PAGES = {
    "questionnaire_link",
    "intake_form",
    "portal_home",
    "portal_sign_out",
    "portal_sign_in",
    "portal_sign_in_request",
    "portal_appointment_confirm",
    "portal_appointment_cancel",
    "portal_receipts",
    "portal_receipt_pdf",
    "learn_index",
    "learn_page",
    "calendar_feed",
    "public_booking",
    "public_booking_details",
    "appointment_link",
    "waitlist_offer",
}


def _route_names(patterns: list[Any], prefix: str = "", namespace: str = "") -> dict[str, str]:
    """Every named URL as "namespace:name" -> pattern."""
    names: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.update(_route_names(pattern.url_patterns, prefix + str(pattern.pattern), inner))
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed route {prefix}{pattern.pattern}"
            names[namespace + pattern.name] = prefix + str(pattern.pattern)
    return names


def _page_routes() -> dict[str, str]:
    # Ninja registers each API operation as a URL too; the API table covers those.
    routes = _route_names(get_resolver().url_patterns)
    return {
        name.removeprefix("api:"): pattern
        for name, pattern in routes.items()
        if not pattern.startswith("api/v1/")
        and name != "api:api-root"
        and not name.startswith("fhir:")  # the FHIR table below covers /fhir/R4
    }


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_page_route_is_in_the_table():
    routes = set(_page_routes())
    assert routes - set(PAGES) == set(), "new page routes need a row in PAGES"
    assert set(PAGES) - routes == set(), "PAGES lists routes that no longer exist"


def test_every_api_operation_is_in_the_table():
    operations = _api_operations()
    assert operations - set(API) == set(), "new API operations need a row in API"
    assert set(API) - operations == set(), "API lists operations that no longer exist"


# The world: clinic A with one user per role, clinic B with its own records. -------------


class World:
    def __init__(self) -> None:
        self.clinic = make_clinic("matrix-a")
        self.other_clinic = make_clinic("matrix-b")
        self.users = {
            "front_desk": make_user(self.clinic, "a.desk", "front_desk"),
            "practitioner": make_practitioner(self.clinic, "a.pt"),
            "admin": make_user(self.clinic, "a.admin", "admin"),
        }
        self.author = make_actor(self.users["practitioner"])
        self.other_author = make_actor(make_practitioner(self.other_clinic, "b.pt"))
        self.billers = {
            self.clinic.pk: make_actor(self.users["admin"]),
            self.other_clinic.pk: make_actor(make_user(self.other_clinic, "b.admin", "admin")),
        }
        self.services = {}
        for clinic_id, biller in self.billers.items():
            self.services[clinic_id] = make_fee_schedule(biller)["IMS-T30"]
        for author in (self.author, self.other_author):
            give_credentials(author.user)
        self.shared = self.records(self.author)
        self.other = self.records(self.other_author)
        self.tokens = {role: _token_create(user)[0] for role, user in self.users.items()}

    def records(self, actor) -> dict[str, Any]:
        patient = make_consented_patient(actor)
        episode = make_episode(actor, patient)
        assessment = charting.assessment_record(
            actor=actor,
            patient=patient,
            data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), findings=[]),
        )
        session = make_session(actor, patient, episode)
        signed_session = charting.session_sign(
            actor=actor,
            session=make_session(
                actor, patient, episode, session_date=today() - dt.timedelta(days=1)
            ),
        )
        signed_assessment = charting.assessment_sign(
            actor=actor,
            assessment=charting.assessment_record(
                actor=actor,
                patient=patient,
                data=AssessmentIn(episode_id=episode.pk, assessed_on=today(), findings=[]),
            ),
        )
        return {
            "patient": patient,
            "episode": episode,
            "assessment": assessment,
            "session": session,
            "signed_session": signed_session,
            "signed_assessment": signed_assessment,
            **self.billing_records(actor, patient),
            **safety_records(actor),
        }

    def billing_records(self, actor, patient) -> dict[str, Any]:
        biller = self.billers[actor.clinic.pk]
        service = self.services[actor.clinic.pk]

        def draft():
            return billing.invoice_create(
                actor=biller,
                data=InvoiceIn(
                    patient_id=patient.pk,
                    practitioner_id=actor.user.pk,
                    service_date=today(),
                    lines=[LineIn(service_id=service.pk)],
                ),
            )

        invoice = draft()
        return {
            "invoice": invoice,
            "line": invoice.lines.get(),
            "issued_invoice": billing.invoice_issue(actor=biller, invoice=draft()),
            "charge": VisitCharge.objects.filter(patient=patient, status="proposed").first(),
            "payer": make_payer(biller, patient),
            "service": service,
            **matrix_records(actor, patient),
        }

    def client(self, role: str) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


@pytest.fixture
def world(db) -> World:
    return World()


def _page_kwargs(name: str, pattern: str, records: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if "<int:patient_id>" in pattern:
        kwargs["patient_id"] = records["patient"].pk
    if "<int:episode_id>" in pattern:
        kwargs["episode_id"] = records["episode"].pk
    if "<int:assessment_id>" in pattern:
        kwargs["assessment_id"] = records["assessment"].pk
    if "<int:session_id>" in pattern:
        kwargs["session_id"] = records["session"].pk
    if "<int:note_id>" in pattern:
        kwargs["note_id"] = records[
            "signed_session" if name == "session_amend" else "signed_assessment"
        ].pk
    if "<int:invoice_id>" in pattern:
        kwargs["invoice_id"] = records[
            "issued_invoice" if name == "invoice_receipt" else "invoice"
        ].pk
    if "<int:line_id>" in pattern:
        kwargs["line_id"] = records["line"].pk
    for key in ("charge", "payer", "service"):
        if f"<int:{key}_id>" in pattern:
            kwargs[f"{key}_id"] = records[key].pk
    if name == "safety:incident_start":
        kwargs["session_id"] = records["serious_session"].pk
    for key, record in (
        ("followup", "followup"),
        ("report", "report"),
        ("notification", "notification"),
    ):
        if f"<int:{key}_id>" in pattern:
            kwargs[f"{key}_id"] = records[record].pk
    if "<str:code>" in pattern:
        kwargs["code"] = "nprs"
    if "<str:token>" in pattern:
        kwargs["token"] = "not-a-real-link"
    scheduling_ids = {
        "<int:appointment_id>": (
            "appointment_id",
            records["online_appointment" if name == "booking_request_detail" else "appointment"],
        ),
        "<int:entry_id>": ("entry_id", records["waitlist_entry"]),
        "<int:practitioner_id>": ("practitioner_id", records["practitioner"]),
        "<int:time_off_id>": ("time_off_id", records["time_off"]),
        "<int:location_id>": ("location_id", records["location"]),
        "<int:type_id>": ("type_id", records["appointment_type"]),
    }
    for marker, (key, row) in scheduling_ids.items():
        if marker in pattern:
            kwargs[key] = row.pk
    if "<slug:topic>" in pattern:
        kwargs["topic"] = "gunn-model"
    if "<int:user_id>" in pattern:
        kwargs["user_id"] = records["session"].practitioner_id
    if "<slug:clinic_slug>" in pattern:
        kwargs["clinic_slug"] = records["patient"].clinic.slug
    if "(?P<rest>" in pattern:
        kwargs["rest"] = "v1/no-such-operation"
    return kwargs


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(world, name):
    pattern = _page_routes()[name]
    expected = PAGES[name]
    for variant, statuses in (("own", expected.own), ("other", expected.other)):
        if statuses is None:
            continue
        records = world.shared if variant == "own" else world.other
        full_name = f"api:{name}" if pattern.startswith("api/") else name
        url = reverse(full_name, kwargs=_page_kwargs(name, pattern, records))
        for role, status in zip(ROLES, statuses, strict=True):
            before = AuditEvent.objects.filter(outcome="denied").count()
            response = world.client(role).get(url)
            if name == "logout" and role != "anonymous":
                # A GET must not log anyone out (CSRF-safe logout is POST only)
                assert world.client(role).get("/").status_code == 200
            assert response.status_code == status, f"{role} GET {url} ({variant})"
            if status == LOGIN and role == "anonymous":
                assert response["Location"].startswith("/login/"), url
            unaudited = PUBLIC_PAGES | {"api_not_found"}  # no record, no clinic
            if status in (403, 404) and role != "anonymous" and name not in unaudited:
                # Refused access is in the audit trail; a role refusal of a page naming a
                # patient of the caller's clinic names that patient (its access log shows
                # the attempt), a 404 or another clinic's patient never.
                denied = AuditEvent.objects.filter(outcome="denied").order_by("-id")
                assert denied.count() == before + 1, f"{role} {url} not audited"
                named = status == 403 and variant == "own" and "<int:patient_id>" in pattern
                expected_patient = records["patient"].pk if named else None
                assert denied[0].patient_id == expected_patient, f"{role} {url}"
                assert str(status) in denied[0].detail


def _api_body(method: str, path: str, records: dict[str, Any], world: World) -> Any:
    episode_id = records["episode"].pk
    patient = {
        "family_name": "Matrix",
        "given_name": "Test",
        "date_of_birth": "1980-02-03",
        "sex": "female",
    }
    session = {
        "episode_id": episode_id,
        "session_date": str(today()),
        "pain_before": 5,
        "pain_after": 3,
        "insertions": [insertion("gluteus_medius", "left")],
    }
    bodies = {
        "/api/v1/auth/token": {"username": "a.pt", "password": "correct-horse-battery"},
        "/api/v1/segments/infer": {"findings": []},
        "/api/v1/patients/{patient_id}/plans": {"findings": []},
        "/api/v1/measures/{code}/score": {"items": [4]},
        "/api/v1/episodes/{episode_id}/questionnaire-links": {"measure_code": "nprs"},
        "/api/v1/patients": patient,
        "/api/v1/patients/{patient_id}": patient,
        "/api/v1/patients/{patient_id}/consents": {
            "consented_on": str(today()),
            "text_version": "ims-2026.1",
        },
        "/api/v1/patients/{patient_id}/episodes": {
            "condition_code": "M54.5",
            "opened_on": str(today()),
        },
        "/api/v1/patients/{patient_id}/assessments": {
            "episode_id": episode_id,
            "assessed_on": str(today()),
            "findings": [],
        },
        "/api/v1/patients/{patient_id}/sessions": session,
        "/api/v1/sessions/{session_id}": session,
        "/api/v1/sessions/{session_id}/amendments": {"text": "Left, not right.", "reason": "typo"},
        "/api/v1/assessments/{assessment_id}/amendments": {"text": "Correction.", "reason": "typo"},
        "/api/v1/invoices": {
            "patient_id": records["patient"].pk,
            "practitioner_id": world.users["practitioner"].pk,
            "service_date": str(today()),
            "lines": [{"service_id": records["service"].pk}],
        },
        "/api/v1/invoices/{invoice_id}/lines": {"service_id": records["service"].pk},
        "/api/v1/invoices/{invoice_id}/payments": {"method": "cash", "amount": "10.00"},
        "/api/v1/invoices/{invoice_id}/credit-notes": {"amount": "5.00", "reason": "matrix"},
        "/api/v1/visit-charges/{charge_id}/invoices": {"service_id": records["service"].pk},
    }
    bodies.update(matrix_api_bodies(records))
    return bodies.get(path, {})


def _api_url(path: str, records: dict[str, Any]) -> str:
    note = "signed_" if path.endswith("/amendments") else ""
    issued = path.endswith(("/payments", "/credit-notes", "/receipt.pdf"))
    return matrix_api_url(
        path.replace("{invoice_id}", str(records["issued_invoice" if issued else "invoice"].pk))
        .replace("{charge_id}", str(records["charge"].pk))
        .replace("{patient_id}", str(records["patient"].pk))
        .replace("{episode_id}", str(records["episode"].pk))
        .replace("{session_id}", str(records[f"{note}session"].pk))
        .replace("{assessment_id}", str(records[f"{note}assessment"].pk))
        .replace("{code}", "nprs")
        .replace("{lot}", "LOT-TEST-1")
        .replace("{followup_id}", str(records["followup"].pk))
        .replace("{report_id}", str(records["report"].pk)),
        records,
    )


@pytest.mark.parametrize(("method", "path"), sorted(API))
def test_api_matrix(world, method, path):
    expected = API[(method, path)]
    for variant, statuses in (("own", expected.own), ("other", expected.other)):
        if statuses is None:
            continue
        for role, status in zip(ROLES, statuses, strict=True):
            # Fresh records for each call that changes state, so one role's write
            # (e.g. signing) does not change what the next role meets.
            if variant == "own":
                records = world.records(world.author) if method != "GET" else world.shared
            else:
                records = world.other
            headers = {}
            if role != "anonymous":
                token = (
                    _token_create(world.users[role])[0]
                    if path.endswith("/revoke")
                    else world.tokens[role]
                )
                headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            url = _api_url(path, records)
            body = _api_body(method, path, records, world)
            client = Client()
            if method == "GET":
                response = client.get(url, **headers)
            else:
                response = client.generic(
                    method,
                    url,
                    data=__import__("json").dumps(body),
                    content_type="application/json",
                    **headers,
                )
            assert response.status_code == status, (
                f"{role} {method} {url} ({variant}): {response.content[:300]!r}"
            )
            if status == 404 and variant == "other":
                assert response.json()["code"] == "not_found"
            if status in (403, 404) and role != "anonymous":
                assert AuditEvent.objects.filter(
                    outcome="denied", source="api", username=world.users[role].username
                ).exists()


# FHIR R4 (/fhir/R4, bearer tokens like the API) -----------------------------------------
# Every route of the fhir namespace, and read + search of every resource type it serves.
# Demographics and staff: every role; clinical types: practitioners and admins; the audit
# trail, groups and bulk export: admins. Conformance resources need no token.
FHIR_STAFF = Exp((401, 200, 200, 200), (401, 404, 404, 404))
FHIR_CLINICAL = Exp((401, 403, 200, 200), (401, 403, 404, 404))
FHIR_ADMIN = Exp((401, 403, 403, 200), (401, 403, 403, 404))
FHIR_PUBLIC = Exp((200, 200, 200, 200))
FHIR_TYPES = {
    "Patient": FHIR_STAFF,
    "Practitioner": FHIR_STAFF,
    "PractitionerRole": FHIR_STAFF,
    "Organization": FHIR_STAFF,
    "Group": FHIR_ADMIN,
    "EpisodeOfCare": FHIR_CLINICAL,
    "Condition": FHIR_CLINICAL,
    "Encounter": FHIR_CLINICAL,
    "Procedure": FHIR_CLINICAL,
    "ClinicalImpression": FHIR_CLINICAL,
    "Observation": FHIR_CLINICAL,
    "QuestionnaireResponse": FHIR_CLINICAL,
    "Consent": FHIR_CLINICAL,
    "AdverseEvent": FHIR_CLINICAL,
    "Provenance": FHIR_CLINICAL,
    "AuditEvent": FHIR_ADMIN,
    "CodeSystem": FHIR_PUBLIC,
    "StructureDefinition": FHIR_PUBLIC,
    "Questionnaire": FHIR_PUBLIC,
}
# (url name, method) -> expectation; "type" and "instance" are checked per resource type.
FHIR_ROUTES: dict[tuple[str, str], Exp | None] = {
    ("fhir:metadata", "GET"): FHIR_PUBLIC,
    ("fhir:base", "POST"): Exp((401, 403, 200, 200)),  # transaction import
    ("fhir:base_slash", "POST"): Exp((401, 403, 200, 200)),
    ("fhir:everything", "GET"): FHIR_STAFF,  # front desk gets the demographics only
    ("fhir:export", "GET"): Exp((401, 403, 403, 202)),
    ("fhir:patient_export", "GET"): Exp((401, 403, 403, 202)),
    ("fhir:group_export", "GET"): Exp((401, 403, 403, 202), (401, 403, 403, 404)),
    ("fhir:bulk_status", "GET"): FHIR_ADMIN,
    ("fhir:bulk_status", "DELETE"): Exp((401, 403, 403, 202), (401, 403, 403, 404)),
    ("fhir:bulk_file", "GET"): FHIR_ADMIN,
    ("fhir:type", "GET"): None,
    ("fhir:instance", "GET"): None,
}


def _fhir_ids(world: World, records: dict[str, Any], clinic, user) -> dict[str, str]:
    from imsclinic.fhir.models import ExportJob
    from imsclinic.fhir.registry import STATIC_TYPES

    session = records["signed_session"]
    job = ExportJob.objects.filter(clinic=clinic, status="complete").first()
    ids = {
        "Patient": str(records["patient"].pk),
        "Practitioner": str(user.pk),
        "PractitionerRole": str(user.pk),
        "Organization": str(clinic.pk),
        "Group": f"clinic-{clinic.pk}",
        "EpisodeOfCare": str(records["episode"].pk),
        "Condition": str(records["episode"].pk),
        "Encounter": f"session-{session.pk}",
        "Procedure": str(session.pk),
        "ClinicalImpression": str(records["assessment"].pk),
        "Observation": f"nprs-before-{session.pk}",
        "QuestionnaireResponse": str(records["response"].pk),
        "Consent": str(records["patient"].consents.first().pk),
        "AdverseEvent": str(records["adverse"].pk),
        "Provenance": f"session-signature-{session.pk}",
        "AuditEvent": str(AuditEvent.objects.filter(clinic=clinic).order_by("id").first().pk),
        "job": str(job.key) if job else "",
        "file": job.outputs[0]["file"] if job else "",
    }
    for name in STATIC_TYPES:
        ids[name] = {
            "CodeSystem": "ims-muscle",
            "StructureDefinition": "needle-lot",
            "Questionnaire": "odi",
        }[name]
    return ids


@pytest.fixture
def fhir_world(world, settings, tmp_path) -> World:
    from imsclinic.charting.schemas import AdverseEventIn
    from imsclinic.fhir import bulk
    from imsclinic.fhir.actions import export_kickoff
    from imsclinic.outcomes import actions as outcomes
    from imsclinic.outcomes.schemas import ResponseIn

    settings.IMSCLINIC_FHIR_EXPORT_RUNNER = "inline"
    settings.IMSCLINIC_FHIR_EXPORT_DIR = str(tmp_path)
    for records, actor in ((world.shared, world.author), (world.other, world.other_author)):
        records["response"] = outcomes.response_record(
            actor=actor, episode=records["episode"], data=ResponseIn(measure_code="nprs", items=[4])
        )
        adverse = make_session(
            actor,
            records["patient"],
            records["episode"],
            session_date=today() - dt.timedelta(days=2),
            adverse_events=[AdverseEventIn(kind="bruising", severity="mild")],
        )
        records["adverse"] = adverse.adverse_events.get()
    admins = (world.users["admin"], world.billers[world.other_clinic.pk].user)
    for admin in admins:
        job = export_kickoff(
            actor=make_actor(admin, "api"),
            level="system",
            types=["Patient"],
            since=None,
            request_url="x",
        )
        bulk.start(job)
    world.other_admin = admins[1]
    return world


def _fhir_url(name: str, type_name: str | None, ids: dict[str, str]) -> str:
    if name == "fhir:type":
        return f"/fhir/R4/{type_name}"
    if name == "fhir:instance":
        return f"/fhir/R4/{type_name}/{ids[type_name]}"
    kwargs: dict[str, Any] = {}
    if name == "fhir:everything":
        kwargs["resource_id"] = ids["Patient"]
    if name == "fhir:group_export":
        kwargs["resource_id"] = ids["Group"]
    if name in ("fhir:bulk_status", "fhir:bulk_file"):
        kwargs["key"] = ids["job"]
    if name == "fhir:bulk_file":
        kwargs["name"] = ids["file"]
    return reverse(name, kwargs=kwargs)


def _fhir_bundle(patient_id: int) -> str:
    import json

    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:c0ffee00-0000-4000-8000-000000000001",
                    "request": {"method": "POST", "url": "Condition"},
                    "resource": {
                        "resourceType": "Condition",
                        "code": {
                            "coding": [
                                {"system": "http://hl7.org/fhir/sid/icd-10-ca", "code": "M54.2"}
                            ],
                            "text": "Neck pain",
                        },
                        "subject": {"reference": f"Patient/{patient_id}"},
                        "recordedDate": str(today()),
                    },
                }
            ],
        }
    )


def test_every_fhir_route_and_type_is_in_the_table():
    from imsclinic.fhir.registry import STATIC_TYPES, resource_types

    routes = {n for n in _route_names(get_resolver().url_patterns) if n.startswith("fhir:")}
    assert routes == {name for name, _ in FHIR_ROUTES}, "new FHIR routes need a row in FHIR_ROUTES"
    assert set(FHIR_TYPES) == set(resource_types()) | set(STATIC_TYPES)


@pytest.mark.parametrize(
    ("name", "method", "type_name"),
    [
        (name, method, type_name)
        for (name, method), exp in sorted(FHIR_ROUTES.items())
        for type_name in (sorted(FHIR_TYPES) if exp is None else [None])
    ],
)
def test_fhir_matrix(fhir_world, name, method, type_name):
    world = fhir_world
    expected = FHIR_ROUTES[(name, method)] or FHIR_TYPES[type_name]  # type: ignore[index]
    for variant, statuses in (("own", expected.own), ("other", expected.other)):
        if statuses is None or (variant == "other" and name == "fhir:type"):
            continue  # a search names no object: it only ever sees its own clinic's rows
        if variant == "own":
            ids = _fhir_ids(world, world.shared, world.clinic, world.users["admin"])
        else:
            ids = _fhir_ids(world, world.other, world.other_clinic, world.other_admin)
        url = _fhir_url(name, type_name, ids)
        for role, status in zip(ROLES, statuses, strict=True):
            headers = {"HTTP_PREFER": "respond-async"}
            if role != "anonymous":
                headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"
            client = Client()
            if method == "POST":
                body = _fhir_bundle(world.shared["patient"].pk)
                response = client.post(url, body, content_type="application/fhir+json", **headers)
            elif method == "DELETE":
                response = client.delete(url, **headers)
            else:
                response = client.get(url, **headers)
            assert response.status_code == status, (
                f"{role} {method} {url} ({variant}): {response.content[:300]!r}"
            )
            if status in (401, 403, 404):
                assert response.json()["resourceType"] == "OperationOutcome"
            if status in (403, 404) and role != "anonymous":
                assert AuditEvent.objects.filter(
                    outcome="denied", source="api", username=world.users[role].username
                ).exists()


# Patient fields per role: front desk registers and books, so it sees demographics and the
# two flags that change a booking (needle phobia; a substitute decision-maker must attend),
# never medications or the other precautions, and it writes demographics only.
DEMOGRAPHICS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "health_number",
    "phone",
    "email",
    "address",
    "preferred_language",
)
BOOKING = ("needle_phobia", "unable_to_consent")
CLINICAL_ONLY = (
    "medications",
    "systemic_infection",
    "anticoagulants",
    "bleeding_disorder",
    "pregnancy",
    "diabetes",
    "immunocompromised",
    "vascular_disease",
    "local_infection",
    "recent_trauma_or_surgery",
    "abnormal_needling_reaction",
    "epilepsy",
    "metal_allergy",
    "pacemaker_implant",
    "lymphedema_sites",
    "lymph_nodes_removed",
    "precaution_notes",
)
PATIENT_FIELDS_SEEN: dict[str, tuple[str, ...]] = {
    "front_desk": DEMOGRAPHICS + BOOKING,
    "practitioner": DEMOGRAPHICS + BOOKING + CLINICAL_ONLY,
    "admin": DEMOGRAPHICS + BOOKING + CLINICAL_ONLY,
}


def test_the_patient_field_table_covers_every_field():
    from imsclinic.patients.schemas import PatientOut

    assert set(PatientOut.model_fields) - {"id"} == set(DEMOGRAPHICS + BOOKING + CLINICAL_ONLY)


@pytest.mark.parametrize("role", sorted(PATIENT_FIELDS_SEEN))
def test_patient_fields_each_role_sees(world, role):
    from imsclinic.patients import actions as patient_actions
    from imsclinic.patients.schemas import PatientIn

    patient = world.shared["patient"]
    patient_actions.patient_update(
        actor=world.author,
        patient=patient,
        data=PatientIn(
            **{name: getattr(patient, name) for name in PatientIn.model_fields}
        ).model_copy(
            update={
                "medications": "Apixaban 5 mg twice daily",
                "anticoagulants": True,
                "needle_phobia": True,
                "precaution_notes": "Firm pressure after each needle",
            }
        ),
    )
    body = (
        Client()
        .get(
            f"/api/v1/patients/{patient.pk}",
            HTTP_AUTHORIZATION=f"Bearer {world.tokens[role]}",
        )
        .json()
    )
    seen = {name for name, value in body.items() if value is not None} - {"id"}
    assert seen == set(PATIENT_FIELDS_SEEN[role])
    page = world.client(role).get(f"/patients/{patient.pk}/edit/").content.decode()
    assert ("Apixaban" in page) == ("medications" in PATIENT_FIELDS_SEEN[role])
    assert ("Firm pressure" in page) == ("precaution_notes" in PATIENT_FIELDS_SEEN[role])
    assert "Needle phobia" in page

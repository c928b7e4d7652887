"""The billing API as a front-desk client uses it: bill a visit, split it, pay, credit,
print; 409 for changing an issued invoice, 422 naming the field for bad amounts."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from imsclinic.billing.models import VisitCharge
from imsclinic.core.models import AuditEvent
from tests.billing.builders import make_payer
from tests.factories import api_token, make_signed_session, today


@pytest.fixture
def desk_api(client, desk):
    token = api_token(client, desk.user.username)

    class Api:
        def get(self, path):
            return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

        def post(self, path, body=None):
            return client.post(
                f"/api/v1{path}",
                json.dumps(body or {}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )

        def delete(self, path):
            return client.delete(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

    return Api()


def _invoice(desk_api, patient, practitioner, fees, **extra):
    body = {
        "patient_id": patient.pk,
        "practitioner_id": practitioner.pk,
        "service_date": str(today()),
        "lines": [{"service_id": fees["IMS-T30"].pk}],
        **extra,
    }
    response = desk_api.post("/invoices", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_issue_pay_and_refuse_changes(desk_api, patient, practitioner, fees):
    draft = _invoice(desk_api, patient, practitioner, fees)
    assert draft["status"] == "draft" and draft["total"] == "95.00" and draft["number"] == ""
    added = desk_api.post(
        f"/invoices/{draft['id']}/lines", {"service_id": fees["TAPE"].pk, "quantity": 2}
    )
    assert added.status_code == 201
    assert added.json()["total"] == "120.20"  # 95.00 + 24.00 + GST 1.20
    issued = desk_api.post(f"/invoices/{draft['id']}/issue")
    assert issued.status_code == 200
    body = issued.json()
    assert body["number"] == f"{today().year}-00001" and body["balance"] == "120.20"
    # Changing an issued invoice: 409, whatever the change
    for response in (
        desk_api.post(f"/invoices/{draft['id']}/issue"),
        desk_api.post(f"/invoices/{draft['id']}/lines", {"service_id": fees["TAPE"].pk}),
        desk_api.delete(f"/invoices/{draft['id']}"),
    ):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invoice_issued"
        assert "credit note" in response.json()["message"]
    paid = desk_api.post(
        f"/invoices/{draft['id']}/payments", {"method": "credit_card", "amount": "100.20"}
    )
    assert paid.status_code == 201
    assert paid.json()["invoice"]["balance"] == "20.00"
    credit = desk_api.post(
        f"/invoices/{draft['id']}/credit-notes", {"amount": "20.00", "reason": "Goodwill"}
    )
    assert credit.status_code == 201 and credit.json()["number"].startswith("CN")
    fetched = desk_api.get(f"/invoices/{draft['id']}").json()
    assert (fetched["balance"], fetched["credited"], fetched["paid"]) == ("0.00", "20.00", "100.20")
    listed = desk_api.get("/invoices?status=issued").json()
    assert [row["id"] for row in listed] == [draft["id"]]


@pytest.mark.parametrize(
    ("amount", "code", "text"),
    [
        ("-1.00", "invalid_amount", "negative"),
        ("1.001", "invalid_amount", "two decimals"),
        ("95.01", "overpayment", "account credit"),
        ("abc", "decimal_parsing", ""),
    ],
)
def test_bad_amounts_are_422_naming_the_field(
    desk_api, patient, practitioner, fees, amount, code, text
):
    invoice = _invoice(desk_api, patient, practitioner, fees)
    desk_api.post(f"/invoices/{invoice['id']}/issue")
    response = desk_api.post(
        f"/invoices/{invoice['id']}/payments", {"method": "cash", "amount": amount}
    )
    assert response.status_code == 422, response.content
    problem = response.json()["fields"][0]
    assert problem["field"] == "amount"
    assert problem["code"] == code
    assert text in problem["message"]


def test_bad_line_price_names_the_line(desk_api, patient, practitioner, fees):
    response = desk_api.post(
        "/invoices",
        {
            "patient_id": patient.pk,
            "practitioner_id": practitioner.pk,
            "service_date": str(today()),
            "lines": [
                {"service_id": fees["TAPE"].pk},
                {"description": "Towel", "unit_price": "-3"},
            ],
        },
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "lines.1.unit_price"


def test_bill_a_signed_visit_split_with_an_insurer(desk_api, actor, desk, patient, episode, fees):
    make_signed_session(actor, patient, episode)
    payer = make_payer(desk, patient, percent="80")
    (charge,) = desk_api.get("/visit-charges").json()
    assert charge["muscles"] == 2 and charge["icd10_code"] == "M54.5"
    response = desk_api.post(
        f"/visit-charges/{charge['id']}/invoices",
        {"service_id": fees["IMS-A60"].pk, "payer_id": payer.pk, "issue": True},
    )
    assert response.status_code == 201, response.content
    insurer, own = response.json()
    assert (insurer["payer_id"], insurer["total"]) == (payer.pk, "120.00")
    assert (own["payer_id"], own["total"]) == (None, "30.00")
    assert VisitCharge.objects.get(pk=charge["id"]).status == "invoiced"
    again = desk_api.post(
        f"/visit-charges/{charge['id']}/invoices", {"service_id": fees["IMS-A60"].pk}
    )
    assert again.status_code == 422 and again.json()["code"] == "charge_resolved"


def test_receipt_pdf_prints_what_extended_health_plans_ask_for(
    desk_api, admin_actor, patient, practitioner, fees
):
    from imsclinic.billing import actions
    from imsclinic.billing.schemas import BillingSettingsIn

    actions.settings_update(
        actor=admin_actor,
        data=BillingSettingsIn(
            jurisdiction="CA-AB",
            legal_name="Bow River IMS Clinic Ltd. (synthetic)",
            business_number="123456789 RT0001",
            address="100 Synthetic Ave SW, Calgary AB",
        ),
    )
    invoice = _invoice(desk_api, patient, practitioner, fees)
    draft_receipt = desk_api.get(f"/invoices/{invoice['id']}/receipt.pdf")
    assert draft_receipt.status_code == 422
    desk_api.post(f"/invoices/{invoice['id']}/issue")
    desk_api.post(f"/invoices/{invoice['id']}/payments", {"method": "debit", "amount": "50.00"})
    response = desk_api.get(f"/invoices/{invoice['id']}/receipt.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    for expected in (
        "Bow River IMS Clinic Ltd. (synthetic)",
        "100 Synthetic Ave SW, Calgary AB",
        "Business number: 123456789 RT0001",
        f"{practitioner.display_name}, PT",
        "PT-04417",
        "Physiotherapy Alberta College + Association",
        patient.given_name,
        patient.family_name,
        str(today()),
        "IMS treatment (30 min)",
        "95.00",
        "Paid 50.00",
        "Balance 45.00",
        "Official receipt",
    ):
        assert expected in text, expected
    assert "CPT" not in text and "2056" not in text
    assert AuditEvent.objects.filter(action="print", object_type="Invoice").count() == 1

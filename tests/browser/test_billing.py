"""The front desk bills a signed visit through the pages: adds the patient's insurer, splits
the visit between insurer and patient, takes a card payment and prints the receipt, whose
PDF text is checked. Then the same pages at phone and tablet widths."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from imsclinic.billing.models import Invoice, Payment
from tests.billing.builders import give_credentials, make_fee_schedule
from tests.factories import (
    make_actor,
    make_consented_patient,
    make_episode,
    make_practitioner,
    make_signed_session,
    make_user,
    today,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_visit(clinic):
    practitioner = give_credentials(make_practitioner(clinic, "pt.billed"))
    make_fee_schedule(make_actor(make_user(clinic, "fees.admin", "admin")))
    actor = make_actor(practitioner)
    patient = make_consented_patient(actor, family_name="Lindqvist", given_name="Maren")
    episode = make_episode(actor, patient)
    make_signed_session(actor, patient, episode)
    return practitioner, patient


def test_front_desk_splits_a_visit_takes_a_card_payment_and_prints_the_receipt(
    page, live_server, login, screenshot, clinic, signed_visit
):
    practitioner, _patient = signed_visit
    desk = make_user(clinic, "desk.jo", "front_desk")
    login(desk)

    # The signed visit waits in the billing queue
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    expect(page.get_by_role("heading", name="Visits to bill")).to_be_visible()
    queue = page.get_by_role("region", name="Visits to bill")
    expect(queue).to_contain_text("Lindqvist, Maren")

    # Add the patient's extended health plan on the account page
    page.get_by_label("Find a patient").fill("Lindqvist")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Lindqvist, Maren", exact=True).click()
    expect(page.get_by_role("heading", name="Account of Lindqvist, Maren")).to_be_visible()
    page.get_by_label("Kind").select_option("extended_health")
    page.get_by_label("Insurer or plan").fill("Prairie Health Benefits")
    page.get_by_label("Policy number").fill("PHB-778812")
    page.get_by_label("Coverage (%)").fill("120")
    page.get_by_role("button", name="Add payer").click()
    # A coverage above 100% is refused beside its field, the rest of the form kept
    expect(page.locator("#err-coverage_percent")).to_contain_text("between 0 and 100")
    expect(page.get_by_label("Insurer or plan")).to_have_value("Prairie Health Benefits")
    page.get_by_label("Coverage (%)").fill("80")
    page.get_by_role("button", name="Add payer").click()
    expect(page.get_by_role("region", name="Third-party payers")).to_contain_text("80%")

    # Bill the visit, split 80/20 with the plan, issued at once
    page.get_by_role("link", name="Visits and invoices").click()
    page.get_by_role("link", name=re.compile("Bill the visit of Lindqvist")).click()
    expect(page.get_by_label("Service")).to_have_value(re.compile(r"\d+"))  # proposed
    page.get_by_label("Service").select_option(label="IMS treatment (30 min)")
    page.get_by_label("Split with a third-party payer").select_option(
        label="Prairie Health Benefits: 80%"
    )
    expect(page.get_by_label("Issue the invoice(s) now")).to_be_checked()
    screenshot(page, "billing-01-bill-visit")
    page.get_by_role("button", name="Create invoice").click()

    own = Invoice.objects.get(payer__isnull=True)
    insurer = Invoice.objects.get(payer__isnull=False)
    assert (insurer.total, own.total) == (76, 19)
    expect(page.get_by_role("heading", name=f"Invoice {own.number}")).to_be_visible()
    expect(page.locator("#balance")).to_have_text("19.00")

    # Take the patient's share by credit card (the amount is prefilled with the balance)
    page.get_by_label("Method").select_option("credit_card")
    expect(page.get_by_label("Amount", exact=True)).to_have_value("19.00")
    page.get_by_label("Reference (last 4 digits, cheque no.)").fill("VISA 4242")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#balance")).to_have_text("0.00")
    assert Payment.objects.get().method == "credit_card"
    screenshot(page, "billing-02-paid-invoice")

    # Print the receipt: the PDF the button opens, fetched with the page's session
    href = page.get_by_role("link", name="Print receipt (PDF)").get_attribute("href")
    # WeasyPrint's first import in the server process can take seconds on a busy machine.
    response = page.request.get(f"{live_server.url}{href}", timeout=60_000)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.body())).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    for expected in (
        "Official receipt",
        own.number,
        "Maren Lindqvist",
        f"{practitioner.display_name}, PT",
        "PT-04417",
        str(today()),
        "IMS treatment (30 min) (patient share of 95.00)",
        "Paid 19.00",
        "Balance 0.00",
        "Credit card",
        "VISA 4242",
    ):
        assert expected in text, expected
    assert "CPT" not in text


@pytest.mark.parametrize("width", [390, 768, 1024])
def test_billing_pages_fit_phone_tablet_and_desktop(
    page, live_server, login, clinic, signed_visit, width
):
    desk = make_user(clinic, "desk.w", "front_desk")
    login(desk)
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/billing/", "/billing/fees/", "/billing/reports/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px wider than a {width}px screen"
    # Every control is reachable by keyboard: the queue's action is a focusable link
    page.goto(f"{live_server.url}/billing/")
    link = page.get_by_role("link", name=re.compile("Bill the visit of Lindqvist"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Create invoice")).to_be_visible()

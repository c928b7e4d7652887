"""The demo clinic has weeks of invoices and payments, and its day-end and period reports
match the ledger rows they summarise."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from imsclinic.accounts.models import User
from imsclinic.billing import selectors
from imsclinic.billing.models import CreditNote, Invoice, Payment, VisitCharge
from imsclinic.core.actors import Actor
from imsclinic.core.models import Clinic
from imsclinic.demo.loader import load_demo
from tests.factories import today

D = Decimal


@pytest.fixture
def demo(db):
    load_demo()
    clinic = Clinic.objects.get(slug="bow-river")
    desk = User.objects.get(username="frontdesk")
    return clinic, Actor(user=desk, clinic=clinic, source="page")


def _expected(clinic, start, end):
    by_method: dict[str, D] = defaultdict(D)
    for p in Payment.objects.filter(clinic=clinic, received_on__gte=start, received_on__lte=end):
        by_method[p.method] += -p.amount if p.kind == "refund" else p.amount
    invoiced = sum(
        (
            i.total
            for i in Invoice.objects.filter(
                clinic=clinic, status="issued", issued_on__gte=start, issued_on__lte=end
            )
        ),
        D(0),
    )
    return dict(by_method), invoiced


def test_demo_billing_and_its_reports(demo, client):
    """One demo load (it takes seconds) for every check."""
    clinic, desk = demo
    _check_a_month_of_billing(clinic)
    for days_back in (0, 30):
        _check_reports_match_the_ledger(clinic, desk, days_back)
    _check_day_end_page(clinic, desk, client)


def _check_a_month_of_billing(clinic):
    issued = Invoice.objects.filter(clinic=clinic, status="issued")
    days = sorted(issued.values_list("issued_on", flat=True))
    assert issued.count() >= 20
    assert (days[-1] - days[0]).days >= 28
    assert Payment.objects.filter(clinic=clinic).order_by().values("method").distinct().count() >= 5
    assert issued.filter(payer__isnull=False).exists()  # insurer splits
    assert CreditNote.objects.filter(clinic=clinic).exists()
    # The latest signed visits wait in the queue for the front desk
    assert VisitCharge.objects.filter(clinic=clinic, status="proposed").count() == 2
    for invoice in issued:
        assert invoice.issued_snapshot["practitioner"]["registration_number"]
        assert invoice.issued_snapshot["clinic"]["business_number"]


def _check_reports_match_the_ledger(clinic, desk, days_back):
    start, end = today() - dt.timedelta(days=days_back), today()
    by_method, invoiced = _expected(clinic, start, end)
    report = selectors.period_report(actor=desk, start=start, end=end, today=today())
    assert {m.method: m.net for m in report.methods} == by_method
    assert report.invoiced == invoiced
    assert report.collected == sum((v for k, v in by_method.items() if k != "account_credit"), D(0))
    assert sum((p.collected for p in report.practitioners), D(0)) == report.collected
    if days_back == 0:
        # Today: insurer remittances, a balance paid, a no-show fee with its overpayment
        assert report.collected > 0 and "insurer" in by_method


def _check_day_end_page(clinic, desk, client):
    by_method, invoiced = _expected(clinic, today(), today())
    client.force_login(desk.user)
    response = client.get("/billing/reports/")
    assert response.status_code == 200
    page = response.content.decode()
    collected = sum((v for k, v in by_method.items() if k != "account_credit"), D(0))
    assert f'<strong id="collected">{collected}</strong>' in page
    assert f'<strong id="invoiced">{invoiced}</strong>' in page
    csv = client.get(f"/billing/reports/journal.csv?start={today()}&end={today()}")
    assert csv.status_code == 200
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("date,entry,number")
    assert len(lines) - 1 == (
        Payment.objects.filter(clinic=clinic, received_on=today()).count()
        + Invoice.objects.filter(clinic=clinic, status="issued", issued_on=today()).count()
        + CreditNote.objects.filter(clinic=clinic, issued_on=today()).count()
    )

"""Receipts in the portal: the signed-in patient sees their own issued invoices (never a
draft, never another patient's) and downloads each receipt as the clinic prints it, through
the portal session; every view and download is in the audit trail."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from imsclinic.core.models import AuditEvent
from tests.factories import make_consented_patient
from tests.portal.builders import patient_invoice
from tests.portal.test_portal import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(actor):
    return make_consented_patient(
        actor, family_name="Okonkwo", given_name="Ada", email="ada@example.org"
    )


def test_the_patient_sees_only_their_own_issued_invoices_and_it_is_audited(
    client, actor, clinic, practitioner, ada
):
    paid = patient_invoice(ada, practitioner, paid="95.00")
    owing = patient_invoice(ada, practitioner)
    draft = patient_invoice(ada, practitioner, issue=False)
    other = make_consented_patient(actor, family_name="Lindqvist", email="maren@example.org")
    theirs = patient_invoice(other, practitioner, paid="95.00")
    sign_in(client, clinic)
    home = client.get("/portal/").content.decode()
    assert 'href="/portal/receipts/"' in home
    page = client.get("/portal/receipts/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert f"Invoice {paid.number}" in html and f"Invoice {owing.number}" in html
    assert f"/portal/receipts/{paid.pk}.pdf" in html and "Still owing: 95.00 CAD" in html
    assert theirs.number not in html and f"/portal/receipts/{draft.pk}.pdf" not in html
    assert AuditEvent.objects.filter(
        username=f"portal:patient-{ada.pk}",
        action="view",
        patient_id=ada.pk,
        detail="portal receipts (2 invoices)",
    ).exists()


def test_the_receipt_pdf_downloads_through_the_portal_session_only(
    client, actor, clinic, practitioner, ada
):
    paid = patient_invoice(ada, practitioner, paid="95.00")
    draft = patient_invoice(ada, practitioner, issue=False)
    other = make_consented_patient(actor, family_name="Lindqvist", email="maren@example.org")
    theirs = patient_invoice(other, practitioner)
    # Signed out (or a staff login): the signed-out page, no PDF
    signed_out = client.get(f"/portal/receipts/{paid.pk}.pdf")
    assert signed_out.status_code == 200 and signed_out["Content-Type"].startswith("text/html")
    sign_in(client, clinic)
    response = client.get(f"/portal/receipts/{paid.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{paid.number}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(
        username=f"portal:patient-{ada.pk}",
        action="print",
        patient_id=ada.pk,
        detail=f"receipt {paid.number} downloaded in the portal",
    ).exists()
    for refused in (draft, theirs):
        page = client.get(f"/portal/receipts/{refused.pk}.pdf")
        assert page.status_code == 404 and b"%PDF" not in page.content
        assert b"Lindqvist" not in page.content


def test_no_receipts_yet_says_so_in_the_patients_language(client, actor, clinic):
    make_consented_patient(
        actor, family_name="Tremblay", email="camille@example.org", preferred_language="fr"
    )
    with override_settings(IMSCLINIC_PUBLIC_URL="http://testserver"):
        sign_in(client, clinic, "camille@example.org")
    html = client.get("/portal/receipts/").content.decode()
    assert '<html lang="fr">' in html and "Vos reçus" in html


def test_the_receipts_page_takes_the_same_queries_however_many_invoices(
    client, clinic, practitioner, ada
):
    patient_invoice(ada, practitioner, paid="95.00")
    sign_in(client, clinic)
    with CaptureQueriesContext(connection) as one:
        client.get("/portal/receipts/")
    for _ in range(4):
        patient_invoice(ada, practitioner, paid="95.00")
    with CaptureQueriesContext(connection) as five:
        html = client.get("/portal/receipts/").content.decode()
    assert html.count("Download the receipt") == 5
    assert len(five) == len(one)

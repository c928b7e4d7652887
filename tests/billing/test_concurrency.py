"""Eight clerks issuing at the same moment get distinct, gap-free invoice numbers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from imsclinic.billing import actions
from imsclinic.billing.models import Invoice, InvoiceCounter
from imsclinic.billing.schemas import InvoiceIn, LineIn
from tests.billing.builders import give_credentials, make_fee_schedule
from tests.factories import (
    make_actor,
    make_clinic,
    make_consented_patient,
    make_practitioner,
    make_user,
    today,
)

WRITERS = 8


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_issuers_get_gap_free_numbers():
    if connection.vendor == "sqlite":
        pytest.skip(
            "the SQLite test database is in memory with a shared cache, whose table locks fail "
            "at once instead of waiting as a database file does; CI runs this on PostgreSQL"
        )
    clinic = make_clinic("billing-race")
    practitioner = give_credentials(make_practitioner(clinic, "race.pt"))
    admin = make_actor(make_user(clinic, "race.admin", "admin"))
    fees = make_fee_schedule(admin)
    patient = make_consented_patient(make_actor(practitioner))
    clerks = [make_actor(make_user(clinic, f"clerk{i}", "front_desk")) for i in range(WRITERS)]
    drafts = [
        actions.invoice_create(
            actor=clerk,
            data=InvoiceIn(
                patient_id=patient.pk,
                practitioner_id=practitioner.pk,
                service_date=today(),
                lines=[LineIn(service_id=fees["IMS-T30"].pk)],
            ),
        )
        for clerk in clerks
    ]
    # No counter row yet: the first issuers also race to create it.
    assert not InvoiceCounter.objects.exists()
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def issue(clerk, draft):
        try:
            start.wait(timeout=10)
            actions.invoice_issue(actor=clerk, invoice=draft)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=issue, args=pair) for pair in zip(clerks, drafts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    seqs = sorted(Invoice.objects.filter(clinic=clinic).values_list("number_seq", flat=True))
    assert seqs == list(range(1, WRITERS + 1))
    assert InvoiceCounter.objects.get(clinic=clinic, series="INV").last == WRITERS

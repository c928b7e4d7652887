"""Property: for any sequence of lines, payments, refunds and credit notes, every balance
equals invoiced minus credited minus paid plus refunded, to the cent; refused steps
change nothing; the reports' outstanding total agrees with the invoices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from imsclinic.billing import actions, selectors
from imsclinic.billing.schemas import CreditNoteIn, InvoiceIn, LineIn, PaymentIn
from imsclinic.core.errors import ValidationProblem
from imsclinic.rules.billing import round_money
from tests.billing.builders import billing_staff, give_credentials, make_fee_schedule
from tests.factories import make_actor, make_clinic, make_patient, make_practitioner, today

D = Decimal
amounts = st.integers(min_value=1, max_value=30_000).map(lambda c: D(c) / 100)
lines = st.lists(
    st.tuples(st.sampled_from(["IMS-T30", "TAPE", "free"]), st.integers(1, 4), amounts),
    min_size=1,
    max_size=4,
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["payment", "refund", "credit", "overpay"]),
        st.integers(0, 1),  # which of the two invoices
        amounts,
    ),
    max_size=12,
)


class BalanceProperties(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        clinic = make_clinic("props")
        admin, cls.desk = billing_staff(clinic)
        cls.practitioner = give_credentials(make_practitioner(clinic, "props.pt"))
        cls.fees = make_fee_schedule(admin)
        cls.patient = make_patient(make_actor(cls.practitioner))

    def _invoice(self, spec) -> object:
        data = []
        for code, quantity, price in spec:
            if code == "free":
                data.append(LineIn(description="Other", quantity=quantity, unit_price=price))
            else:
                data.append(
                    LineIn(service_id=self.fees[code].pk, quantity=quantity, unit_price=price)
                )
        draft = actions.invoice_create(
            actor=self.desk,
            data=InvoiceIn(
                patient_id=self.patient.pk,
                practitioner_id=self.practitioner.pk,
                service_date=today(),
                lines=data,
            ),
        )
        return actions.invoice_issue(actor=self.desk, invoice=draft)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(first=lines, second=lines, steps=steps)
    def test_balances_reconcile_to_the_cent(self, first, second, steps):
        invoices = [self._invoice(first), self._invoice(second)]
        model = [
            {"total": inv.total, "credited": D(0), "paid": D(0), "refunded": D(0)}
            for inv in invoices
        ]
        credit_on_account = D(0)
        for spec, inv in zip((first, second), invoices, strict=True):
            # The invoice total is the sum of its lines, each rounded once (5% GST on tape).
            expected = sum(
                (q * p + (round_money(q * p * 5 / 100) if code == "TAPE" else 0))
                for code, q, p in spec
            )
            assert inv.total == expected
        for kind, which, amount in steps:
            invoice, m = invoices[which], model[which]
            owed = m["total"] - m["credited"] - m["paid"] + m["refunded"]
            try:
                if kind == "credit":
                    actions.credit_note_issue(
                        actor=self.desk,
                        invoice=invoice,
                        data=CreditNoteIn(amount=amount, reason="p"),
                    )
                    accepted = amount <= m["total"] - m["credited"]
                    if accepted:
                        m["credited"] += amount
                else:
                    refund = kind == "refund"
                    actions.payment_record(
                        actor=self.desk,
                        invoice=invoice,
                        data=PaymentIn(
                            kind="refund" if refund else "payment",
                            method="cash",
                            amount=amount,
                            excess_to_account=kind == "overpay",
                        ),
                    )
                    if refund:
                        accepted = amount <= m["paid"] - m["refunded"]
                        m["refunded"] += amount
                    else:
                        accepted = amount <= owed or kind == "overpay"
                        applied = min(amount, max(owed, D(0)))
                        m["paid"] += applied
                        credit_on_account += amount - applied
            except ValidationProblem as exc:
                accepted = False
                assert exc.problems[0].field == "amount"
            else:
                assert accepted, (kind, amount, m)
            sums = selectors.invoice_sums([i.pk for i in invoices])
            for inv, mm in zip(invoices, model, strict=True):
                s = sums[inv.pk]
                assert (s.credited, s.paid, s.refunded) == (
                    mm["credited"],
                    mm["paid"],
                    mm["refunded"],
                )
                assert s.balance(inv.total) == (
                    mm["total"] - mm["credited"] - mm["paid"] + mm["refunded"]
                )
        assert selectors.account_credit(self.desk.clinic, self.patient.pk) == credit_on_account
        _, _, outstanding = selectors.aged_receivables(clinic=self.desk.clinic, as_of=today())
        assert outstanding == sum(
            (m["total"] - m["credited"] - m["paid"] + m["refunded"] for m in model), D(0)
        )
        report = selectors.period_report(actor=self.desk, start=today(), end=today(), today=today())
        assert report.invoiced == sum((m["total"] for m in model), D(0))
        assert report.credited == sum((m["credited"] for m in model), D(0))
        assert (
            report.collected
            == sum((m["paid"] - m["refunded"] for m in model), D(0)) + credit_on_account
        )

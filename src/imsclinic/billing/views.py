"""Billing pages: the queue of visits to bill, invoices, payments, patient accounts, the fee
schedule, settings and reports. Thin: each parses the form into the API's input schema and
calls the same action or selector as the API.

Size: thin pages (parse, call one action, render), one per billing screen; no logic to
split out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from imsclinic.billing import actions, selectors
from imsclinic.billing.audit import audit_invoice_list
from imsclinic.billing.models import Payer, Payment, Service
from imsclinic.billing.receipt import invoice_receipt
from imsclinic.billing.schemas import (
    BillingSettingsIn,
    CreditNoteIn,
    InvoiceIn,
    LineIn,
    PayerIn,
    PaymentIn,
    PriceIn,
    ServiceIn,
    TaxRuleIn,
    VisitInvoiceIn,
)
from imsclinic.core.actors import Actor
from imsclinic.core.audit import audit_record, audit_view
from imsclinic.core.errors import DomainError, ValidationProblem
from imsclinic.core.form_input import blank_to_none, field_errors, nested_from_post, parse_input
from imsclinic.core.permissions import ADMINS, BILLING
from imsclinic.core.spreadsheet import csv_writer
from imsclinic.core.web import clinic_view
from imsclinic.patients import selectors as patient_selectors
from imsclinic.rules.billing import JURISDICTIONS

FormErrors = dict[str, str]


def _errors(exc: DomainError) -> FormErrors:
    if isinstance(exc, ValidationProblem):
        return field_errors(exc)
    return {getattr(exc, "field", None) or "form": exc.message}


def _post(request: HttpRequest, *blank: str, checkboxes: tuple[str, ...] = ()) -> dict[str, Any]:
    data = blank_to_none(nested_from_post(request.POST), *blank)
    for name in checkboxes:
        data[name] = name in request.POST
    return data


# The queue and the invoice list -----------------------------------------------------------


@clinic_view
def billing_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    billing = actor.role in BILLING
    charges = selectors.charges_to_bill(actor=actor)
    invoices = selectors.invoice_list(actor=actor, limit=50)
    audit_invoice_list(actor=actor, rows=invoices)
    return render(
        request,
        "billing/home.html",
        {
            "charges": charges,
            "invoices": invoices,
            "billing": billing,
            "q": query,
            "found": patient_selectors.patient_search(actor=actor, query=query, limit=10)
            if billing and query
            else [],
        },
    )


@clinic_view(roles=BILLING)
def charge_invoice(request: HttpRequest, actor: Actor, charge_id: int) -> HttpResponse:
    charge = selectors.charge_get(actor=actor, charge_id=charge_id)
    values: dict[str, Any] = {"service_id": charge.service_id, "payer_id": None, "issue": True}
    errors: FormErrors = {}
    if request.method == "POST":
        values = _post(request, "payer_id", checkboxes=("issue",))
        try:
            invoices = actions.charge_invoice(
                actor=actor, charge=charge, data=parse_input(VisitInvoiceIn, values)
            )
            own = next((i for i in invoices if i.payer_id is None), invoices[0])
            return redirect("invoice_detail", invoice_id=own.pk)
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "billing/charge_invoice.html",
        {
            "charge": charge,
            "patient": charge.patient,
            "services": selectors.active_services(actor.clinic),
            "payers": selectors.patient_payers(
                actor.clinic, charge.patient_id, current_on=charge.service_date
            ),
            "values": values,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=BILLING)
def charge_dismiss(request: HttpRequest, actor: Actor, charge_id: int) -> HttpResponse:
    charge = selectors.charge_get(actor=actor, charge_id=charge_id)
    if request.method == "POST":
        try:
            actions.charge_dismiss(
                actor=actor, charge=charge, reason=request.POST.get("reason", "")
            )
        except DomainError as exc:
            return render(
                request,
                "billing/charge_invoice.html",
                {
                    "charge": charge,
                    "patient": charge.patient,
                    "services": selectors.active_services(actor.clinic),
                    "payers": selectors.patient_payers(actor.clinic, charge.patient_id),
                    "values": {"service_id": charge.service_id, "issue": True},
                    "errors": {},
                    "dismiss_errors": _errors(exc),
                },
                status=422,
            )
    return redirect("billing_home")


@clinic_view(roles=BILLING)
def invoice_new(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    today = timezone.localdate()
    values: dict[str, Any] = {"service_date": today.isoformat(), "lines": [{"quantity": 1}]}
    errors: FormErrors = {}
    if request.method == "POST":
        values = nested_from_post(request.POST)
        values["patient_id"] = patient.pk
        blank_to_none(values, "payer_id")
        for line in values.get("lines", []):
            blank_to_none(line, "service_id", "unit_price")
        try:
            invoice = actions.invoice_create(actor=actor, data=parse_input(InvoiceIn, values))
            return redirect("invoice_detail", invoice_id=invoice.pk)
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "billing/invoice_new.html",
        {
            "patient": patient,
            "values": values,
            "errors": errors,
            "services": selectors.active_services(actor.clinic),
            "payers": selectors.patient_payers(actor.clinic, patient.pk, current_on=today),
            "practitioners": selectors.billing_practitioners(actor.clinic),
        },
        status=422 if errors else 200,
    )


# One invoice ----------------------------------------------------------------------------


def _invoice_page(
    request: HttpRequest,
    actor: Actor,
    invoice_id: int,
    *,
    form: str = "",
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
    audit: bool = True,
) -> HttpResponse:
    detail = selectors.invoice_get(actor=actor, invoice_id=invoice_id)
    if audit:
        audit_view(actor=actor, patient_id=detail.invoice.patient_id, obj=detail.invoice)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "detail": detail,
            "invoice": detail.invoice,
            "patient": detail.invoice.patient,
            "billing": actor.role in BILLING,
            "services": selectors.active_services(actor.clinic),
            "methods": [m for m in Payment.Method.choices if m[0] != "account_credit"],
            "credit": selectors.account_credit(actor.clinic, detail.invoice.patient_id)
            if actor.role in BILLING
            else None,
            "today": timezone.localdate(),
            "form": form,
            "errors": errors or {},
            "values": values or {},
        },
        status=status,
    )


@clinic_view
def invoice_detail(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    return _invoice_page(request, actor, invoice_id)


def _invoice_post(
    request: HttpRequest,
    actor: Actor,
    invoice_id: int,
    form: str,
    run: Any,
    blank: tuple[str, ...] = (),
    checkboxes: tuple[str, ...] = (),
) -> HttpResponse:
    """Run one invoice form's action; on refusal show the invoice with the form's errors
    (409 for an issued invoice, 422 for bad input)."""
    invoice = selectors.invoice_for_change(actor=actor, invoice_id=invoice_id)
    if request.method != "POST":
        return redirect("invoice_detail", invoice_id=invoice.pk)
    values = _post(request, *blank, checkboxes=checkboxes)
    try:
        result = run(invoice, values)
    except DomainError as exc:  # 409 for an issued invoice (InvoiceIssued), else 422
        return _invoice_page(
            request,
            actor,
            invoice.pk,
            form=form,
            errors=_errors(exc),
            values=values,
            status=exc.status,
            audit=False,
        )
    if isinstance(result, HttpResponse):
        return result
    return redirect("invoice_detail", invoice_id=invoice.pk)


@clinic_view(roles=BILLING)
def invoice_line_add(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    return _invoice_post(
        request,
        actor,
        invoice_id,
        "line",
        lambda invoice, values: actions.invoice_add_line(
            actor=actor, invoice=invoice, data=parse_input(LineIn, values)
        ),
        blank=("service_id", "unit_price", "service_date"),
    )


@clinic_view(roles=BILLING)
def invoice_line_remove(
    request: HttpRequest, actor: Actor, invoice_id: int, line_id: int
) -> HttpResponse:
    return _invoice_post(
        request,
        actor,
        invoice_id,
        "line",
        lambda invoice, values: actions.invoice_remove_line(
            actor=actor, invoice=invoice, line_id=line_id
        ),
    )


@clinic_view(roles=BILLING)
def invoice_issue(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    return _invoice_post(
        request,
        actor,
        invoice_id,
        "issue",
        lambda invoice, values: actions.invoice_issue(actor=actor, invoice=invoice),
    )


@clinic_view(roles=BILLING)
def invoice_discard(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    def run(invoice: Any, values: dict[str, Any]) -> HttpResponse:
        patient_id = invoice.patient_id
        actions.invoice_discard(actor=actor, invoice=invoice)
        return redirect("patient_account", patient_id=patient_id)

    return _invoice_post(request, actor, invoice_id, "issue", run)


@clinic_view(roles=BILLING)
def payment_new(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    return _invoice_post(
        request,
        actor,
        invoice_id,
        "payment",
        lambda invoice, values: actions.payment_record(
            actor=actor, invoice=invoice, data=parse_input(PaymentIn, values)
        ),
        blank=("received_on",),
        checkboxes=("excess_to_account",),
    )


@clinic_view(roles=BILLING)
def credit_note_new(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    return _invoice_post(
        request,
        actor,
        invoice_id,
        "credit",
        lambda invoice, values: actions.credit_note_issue(
            actor=actor, invoice=invoice, data=parse_input(CreditNoteIn, values)
        ),
    )


@clinic_view
def invoice_receipt_pdf(request: HttpRequest, actor: Actor, invoice_id: int) -> HttpResponse:
    try:
        receipt = invoice_receipt(actor=actor, invoice_id=invoice_id)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _invoice_page(
            request, actor, invoice_id, form="issue", errors=_errors(exc), status=exc.status
        )
    response = HttpResponse(receipt.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipt.filename}"'
    return response


# Patient accounts and payers ---------------------------------------------------------------


@clinic_view(roles=BILLING)
def patient_account(
    request: HttpRequest,
    actor: Actor,
    patient_id: int,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> HttpResponse:
    account = selectors.patient_account(actor=actor, patient_id=patient_id)
    audit_record(
        actor=actor, action="view", patient_id=account.patient.pk, object_type="BillingAccount"
    )
    return render(
        request,
        "billing/patient_account.html",
        {
            "account": account,
            "patient": account.patient,
            "payer_kinds": Payer.Kind.choices,
            "errors": errors or {},
            "values": values or {"coverage_percent": "80"},
            "today": timezone.localdate(),
        },
        status=422 if errors else 200,
    )


@clinic_view(roles=BILLING)
def payer_add(request: HttpRequest, actor: Actor, patient_id: int) -> HttpResponse:
    patient = patient_selectors.patient_get(actor=actor, patient_id=patient_id)
    if request.method != "POST":
        return redirect("patient_account", patient_id=patient.pk)
    values = _post(request, "max_per_visit")
    try:
        actions.payer_add(actor=actor, patient=patient, data=parse_input(PayerIn, values))
    except DomainError as exc:
        return patient_account.__wrapped__(  # type: ignore[attr-defined]
            request, actor, patient.pk, errors=_errors(exc), values=values
        )
    return redirect("patient_account", patient_id=patient.pk)


@clinic_view(roles=BILLING)
def payer_end(request: HttpRequest, actor: Actor, payer_id: int) -> HttpResponse:
    payer = selectors.payer_get(actor=actor, payer_id=payer_id)
    if request.method == "POST":
        actions.payer_end(actor=actor, payer=payer)
    return redirect("patient_account", patient_id=payer.patient_id)


# Fee schedule and settings ----------------------------------------------------------------


@clinic_view(roles=BILLING)
def fee_schedule(
    request: HttpRequest,
    actor: Actor,
    form: str = "",
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "billing/fee_schedule.html",
        {
            "schedule": selectors.fee_schedule(actor=actor, day=today),
            "kinds": Service.Kind.choices,
            "admin": actor.role in ADMINS,
            "today": today,
            "form": form,
            "errors": errors or {},
            "values": values or {},
        },
        status=422 if errors else 200,
    )


def _fee_post(
    request: HttpRequest, actor: Actor, form: str, run: Any, **kwargs: Any
) -> HttpResponse:
    if request.method != "POST":
        return redirect("fee_schedule")
    values = _post(request, *kwargs.get("blank", ()), checkboxes=kwargs.get("checkboxes", ()))
    try:
        run(values)
    except DomainError as exc:
        return fee_schedule.__wrapped__(  # type: ignore[attr-defined]
            request, actor, form=form, errors=_errors(exc), values=values
        )
    return redirect("fee_schedule")


@clinic_view(roles=ADMINS)
def service_save(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _fee_post(
        request,
        actor,
        "service",
        lambda values: actions.service_save(actor=actor, data=parse_input(ServiceIn, values)),
        blank=("minutes",),
        checkboxes=("active",),
    )


@clinic_view(roles=ADMINS)
def price_set(request: HttpRequest, actor: Actor, service_id: int) -> HttpResponse:
    from imsclinic.billing.models import Service as ServiceModel
    from imsclinic.core.tenancy import get_for_clinic

    service = get_for_clinic(ServiceModel.objects.all(), actor.clinic, service_id, "Service")
    return _fee_post(
        request,
        actor,
        f"price-{service.pk}",
        lambda values: actions.service_price_set(
            actor=actor, service=service, data=parse_input(PriceIn, values)
        ),
    )


@clinic_view(roles=ADMINS)
def tax_rule_save(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _fee_post(
        request,
        actor,
        "tax",
        lambda values: actions.tax_rule_save(actor=actor, data=parse_input(TaxRuleIn, values)),
        checkboxes=("active",),
    )


@clinic_view(roles=ADMINS)
def billing_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    row = selectors.billing_settings(actor.clinic)
    values: dict[str, Any] = {name: getattr(row, name) for name in BillingSettingsIn.model_fields}
    errors: FormErrors = {}
    saved = False
    if request.method == "POST":
        values = _post(request)
        try:
            actions.settings_update(actor=actor, data=parse_input(BillingSettingsIn, values))
            saved = True
        except DomainError as exc:
            errors = _errors(exc)
    return render(
        request,
        "billing/settings.html",
        {
            "values": values,
            "errors": errors,
            "saved": saved,
            "jurisdictions": sorted(JURISDICTIONS.items()),
        },
        status=422 if errors else 200,
    )


# Reports --------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, FormErrors]:
    today = timezone.localdate()
    errors: FormErrors = {}
    days = {}
    for name in ("start", "end"):
        raw = request.GET.get(name, "")
        try:
            days[name] = dt.date.fromisoformat(raw) if raw else today
        except ValueError:
            errors[name] = "Enter a date as YYYY-MM-DD."
            days[name] = today
    if days["start"] > days["end"]:
        errors["end"] = "The period ends on or after its first day."
        days["end"] = days["start"]
    return days["start"], days["end"], errors


@clinic_view(roles=BILLING)
def billing_reports(request: HttpRequest, actor: Actor) -> HttpResponse:
    start, end, errors = _period(request)
    today = timezone.localdate()
    report = selectors.period_report(actor=actor, start=start, end=end, today=today)
    return render(
        request,
        "billing/reports.html",
        {"report": report, "errors": errors, "today": today, "day_end": start == end},
        status=422 if errors else 200,
    )


@clinic_view(roles=BILLING)
def billing_journal_csv(request: HttpRequest, actor: Actor) -> HttpResponse:
    start, end, errors = _period(request)
    if errors:
        return HttpResponse("; ".join(errors.values()), status=422, content_type="text/plain")
    rows = selectors.journal_rows(actor=actor, start=start, end=end)
    audit_record(
        actor=actor,
        action="export",
        object_type="BillingJournal",
        detail=f"{start}..{end}: {len(rows)} entries",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="billing-journal-{start}-{end}.csv"'
    writer = csv_writer(response)
    writer.writerow(selectors.JOURNAL_HEADER)
    writer.writerows(rows)
    return response

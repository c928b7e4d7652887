"""Billing settings and the fee schedule (clinic admins): jurisdiction and currency, tax
rules, services and their dated prices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from imsclinic.billing.actions._common import _check_money
from imsclinic.billing.models import BillingSettings, Service, ServicePrice, TaxRule
from imsclinic.billing.schemas import BillingSettingsIn, PriceIn, ServiceIn, TaxRuleIn
from imsclinic.core.audit import audit_record
from imsclinic.core.errors import Problems
from imsclinic.core.permissions import ADMINS, require_role
from imsclinic.rules.billing import CURRENCIES, JURISDICTIONS, country_of, percent_problem

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor


@transaction.atomic
def settings_update(*, actor: Actor, data: BillingSettingsIn) -> BillingSettings:
    require_role(actor, ADMINS)
    problems = Problems()
    jurisdiction = data.jurisdiction.strip().upper()
    if jurisdiction not in JURISDICTIONS:
        problems.add(
            "jurisdiction",
            "invalid",
            "Choose a jurisdiction as country-region, e.g. CA-AB (Alberta) or US-WA.",
        )
    currency = (data.currency.strip().upper() or CURRENCIES.get(jurisdiction[:2], "")).upper()
    if jurisdiction in JURISDICTIONS and currency != CURRENCIES[country_of(jurisdiction)]:
        expected = CURRENCIES[country_of(jurisdiction)]
        problems.add(
            "currency", "invalid", f"Clinics in {jurisdiction} bill in {expected}; use {expected}."
        )
    if data.email and "@" not in data.email:
        problems.add("email", "invalid", "Enter an e-mail address such as billing@example.org.")
    problems.raise_if_any()
    row, _ = BillingSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
    row.jurisdiction = jurisdiction
    row.currency = currency
    row.legal_name = data.legal_name.strip()
    row.business_number = data.business_number.strip()
    row.address = data.address.strip()
    row.phone = data.phone.strip()
    row.email = data.email.strip()
    row.save()
    audit_record(actor=actor, action="change", obj=row, object_id=actor.clinic.pk)
    return row


@transaction.atomic
def tax_rule_save(*, actor: Actor, data: TaxRuleIn) -> TaxRule:
    """Create the tax rule ``code`` or change it. Lines keep the rate they were billed at."""
    require_role(actor, ADMINS)
    problems = Problems()
    code = data.code.strip().upper()
    if not code:
        problems.add("code", "required", "Give the tax a short code, e.g. GST.")
    if not data.name.strip():
        problems.add("name", "required", "Name the tax, e.g. Goods and Services Tax.")
    message = percent_problem(data.rate_percent)
    if message:
        problems.add("rate_percent", "invalid", message)
    problems.raise_if_any()
    rule, created = TaxRule.objects.update_or_create(
        clinic=actor.clinic,
        code=code,
        defaults={
            "name": data.name.strip(),
            "rate_percent": data.rate_percent,
            "active": data.active,
        },
    )
    audit_record(actor=actor, action="create" if created else "change", obj=rule)
    return rule


@transaction.atomic
def service_save(*, actor: Actor, data: ServiceIn) -> Service:
    """Create the service ``code`` or change its name, kind, length, tax or activity."""
    require_role(actor, ADMINS)
    problems = Problems()
    code = data.code.strip().upper()
    if not code:
        problems.add("code", "required", "Give the service a short code, e.g. IMS-TX30.")
    if not data.name.strip():
        problems.add("name", "required", "Name the service as receipts should print it.")
    if data.kind not in Service.Kind.values:
        problems.add("kind", "invalid", f"Kind is one of: {', '.join(Service.Kind.values)}.")
    tax_rule = None
    if data.tax_code.strip():
        tax_rule = TaxRule.objects.filter(
            clinic=actor.clinic, code=data.tax_code.strip().upper()
        ).first()
        if tax_rule is None:
            problems.add(
                "tax_code",
                "unknown",
                "No tax with this code: add it under Taxes first, or leave empty.",
            )
    problems.raise_if_any()
    service, created = Service.objects.update_or_create(
        clinic=actor.clinic,
        code=code,
        defaults={
            "name": data.name.strip(),
            "kind": data.kind,
            "minutes": data.minutes,
            "tax_rule": tax_rule,
            "active": data.active,
        },
    )
    audit_record(actor=actor, action="create" if created else "change", obj=service)
    return service


@transaction.atomic
def service_price_set(*, actor: Actor, service: Service, data: PriceIn) -> ServicePrice:
    """A new price from ``effective_from`` on. Past invoices keep the price they billed."""
    require_role(actor, ADMINS)
    problems = Problems()
    _check_money(problems, "amount", data.amount)
    if ServicePrice.objects.filter(service=service, effective_from=data.effective_from).exists():
        problems.add(
            "effective_from",
            "taken",
            f"A price already starts on {data.effective_from}; choose another day.",
        )
    problems.raise_if_any()
    price = ServicePrice.objects.create(
        clinic=actor.clinic,
        service=service,
        effective_from=data.effective_from,
        amount=data.amount,
        set_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="change",
        obj=service,
        detail=f"price {data.amount} from {data.effective_from}",
    )
    return price

"""Billing settings, prices on a day, the fee schedule, and the choices billing forms offer."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from imsclinic.accounts.models import User
from imsclinic.billing.models import BillingSettings, Service, ServicePrice, TaxRule
from imsclinic.core.permissions import STAFF, require_role

if TYPE_CHECKING:
    from imsclinic.core.actors import Actor
    from imsclinic.core.models import Clinic


def billing_settings(clinic: Clinic) -> BillingSettings:
    """The clinic's billing settings; the defaults (Alberta, CAD) when none were saved."""
    row = BillingSettings.objects.filter(clinic=clinic).first()
    return row if row is not None else BillingSettings(clinic=clinic)


def price_on(service: Service, day: dt.date) -> Decimal | None:
    price = (
        ServicePrice.objects.filter(service=service, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )
    return price


@dataclass
class FeeRow:
    service: Service
    current: Decimal | None
    prices: list[ServicePrice]


@dataclass
class FeeSchedule:
    services: list[FeeRow]
    taxes: list[TaxRule]


def fee_schedule(*, actor: Actor, day: dt.date) -> FeeSchedule:
    """Every service with its price history and the price on ``day``; three queries."""
    require_role(actor, STAFF)
    services = list(Service.objects.filter(clinic=actor.clinic).select_related("tax_rule"))
    prices: dict[int, list[ServicePrice]] = defaultdict(list)
    for price in ServicePrice.objects.filter(clinic=actor.clinic).order_by("-effective_from"):
        prices[price.service_id].append(price)
    rows = []
    for service in services:
        history = prices[service.pk]
        current = next((p.amount for p in history if p.effective_from <= day), None)
        rows.append(FeeRow(service=service, current=current, prices=history))
    taxes = list(TaxRule.objects.filter(clinic=actor.clinic))
    return FeeSchedule(services=rows, taxes=taxes)


def active_services(clinic: Clinic) -> list[Service]:
    return list(Service.objects.filter(clinic=clinic, active=True))


def billing_practitioners(clinic: Clinic) -> list[User]:
    return list(
        User.objects.filter(clinic=clinic, role__in=("practitioner", "admin"), is_active=True)
    )

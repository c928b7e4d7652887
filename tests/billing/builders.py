"""Billing test data, built through the billing actions. Every name and number is synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from imsclinic.billing import actions
from imsclinic.billing.schemas import PayerIn, PriceIn, ServiceIn, TaxRuleIn
from tests.factories import make_actor, make_user

LONG_AGO = dt.date(2020, 1, 1)


def give_credentials(user, designation: str = "PT", registration: str = "PT-04417"):
    user.designation = designation
    user.registration_number = registration
    user.regulatory_body = "Physiotherapy Alberta College + Association"
    user.profession = "Physiotherapist"
    user.save()
    return user


def make_fee_schedule(admin_actor) -> dict[str, object]:
    """IMS assessment 150.00, IMS treatment 30 min 95.00, no-show 50.00, tape 12.00 + GST 5%."""
    gst = actions.tax_rule_save(
        actor=admin_actor,
        data=TaxRuleIn(code="GST", name="Goods and Services Tax", rate_percent=Decimal("5")),
    )
    services = {}
    for code, name, kind, minutes, price, tax in (
        ("IMS-A60", "IMS assessment (60 min)", "assessment", 60, "150.00", ""),
        ("IMS-T30", "IMS treatment (30 min)", "treatment", 30, "95.00", ""),
        ("NOSHOW", "No-show fee", "no_show", None, "50.00", ""),
        ("TAPE", "Kinesiology tape", "supply", None, "12.00", "GST"),
    ):
        service = actions.service_save(
            actor=admin_actor,
            data=ServiceIn(code=code, name=name, kind=kind, minutes=minutes, tax_code=tax),
        )
        actions.service_price_set(
            actor=admin_actor,
            service=service,
            data=PriceIn(amount=Decimal(price), effective_from=LONG_AGO),
        )
        services[code] = service
    return {"gst": gst, **services}


def make_payer(actor, patient, percent: str = "80", max_per_visit: str | None = None):
    return actions.payer_add(
        actor=actor,
        patient=patient,
        data=PayerIn(
            kind="extended_health",
            name="Prairie Health Benefits (synthetic)",
            policy_number="PHB-778812",
            coverage_percent=Decimal(percent),
            max_per_visit=Decimal(max_per_visit) if max_per_visit else None,
        ),
    )


def billing_staff(clinic):
    admin = make_actor(make_user(clinic, "bill.admin", "admin"))
    desk = make_actor(make_user(clinic, "bill.desk", "front_desk"))
    return admin, desk

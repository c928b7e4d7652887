"""Needle stock: deliveries, stock counting down per insertion, suggestions and warnings
on the session form (never a block)."""

from __future__ import annotations

import datetime as dt

import pytest

from imsclinic.charting.models import TreatmentSession
from imsclinic.core.errors import ValidationProblem
from imsclinic.safety.selectors import lot_warnings, lots_in_stock, needle_stock
from tests.factories import today
from tests.safety.builders import lot_session, receive


def test_stock_counts_down_per_insertion_whatever_the_spelling(actor, patient, episode):
    receive(actor, lot="LOT-2026-11", quantity=10)
    receive(actor, lot="lot 2026 11", quantity=5)  # a second box of the same lot
    lot_session(actor, patient, episode, ["LOT-2026-11", "2026-11", "lot 202611"])
    (stock,) = needle_stock(actor=actor)
    assert (stock.received, stock.used, stock.remaining) == (15, 3, 12)


def test_form_suggests_usable_lots_soonest_expiry_first(actor, patient, episode):
    receive(actor, lot="B-LATER", expires_on=today() + dt.timedelta(days=300))
    receive(actor, lot="A-SOONER", expires_on=today() + dt.timedelta(days=30))
    receive(
        actor,
        lot="C-EXPIRED",
        expires_on=today() - dt.timedelta(days=1),
        received_on=today() - dt.timedelta(days=20),
    )
    receive(actor, lot="D-USED", quantity=1)
    lot_session(actor, patient, episode, ["D-USED"])
    assert [s.lot for s in lots_in_stock(actor=actor)] == ["A-SOONER", "B-LATER"]


def test_warnings_on_unknown_expired_and_used_up_lots(actor, patient, episode):
    receive(actor, lot="GOOD-1")
    receive(
        actor,
        lot="OLD-1",
        expires_on=today() - dt.timedelta(days=2),
        received_on=today() - dt.timedelta(days=90),
    )
    receive(actor, lot="LAST-1", quantity=1)
    lot_session(actor, patient, episode, ["LAST-1"])
    warnings = lot_warnings(
        actor=actor, lots=["good 1", "OLD-1", "NEW-9", "LAST-1", " ", "--"], day=today()
    )
    assert [(w.lot, w.code) for w in warnings] == [
        ("LAST-1", "used_up"),
        ("NEW-9", "unknown"),
        ("OLD-1", "expired"),
    ]
    # The lot checked on the session's date: before its expiry it was fine.
    assert lot_warnings(actor=actor, lots=["OLD-1"], day=today() - dt.timedelta(days=5)) == []


def test_an_unknown_or_expired_lot_is_still_charted(actor, patient, episode):
    receive(
        actor,
        lot="OLD-1",
        expires_on=today() - dt.timedelta(days=2),
        received_on=today() - dt.timedelta(days=90),
    )
    session = lot_session(actor, patient, episode, ["OLD-1", "NEVER-SEEN"])
    assert TreatmentSession.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"manufacturer": " "}, "manufacturer"),
        ({"lot": "--"}, "lot"),
        ({"quantity": 0}, "quantity"),
        ({"needle_diameter_mm": "0.9"}, "needle_diameter_mm"),
        ({"needle_length_mm": 200}, "needle_length_mm"),
        ({"received_on": today() + dt.timedelta(days=1)}, "received_on"),
        ({"expires_on": today() - dt.timedelta(days=30)}, "expires_on"),
    ],
)
def test_delivery_problems_name_the_field(actor, overrides, field):
    with pytest.raises(ValidationProblem) as caught:
        receive(actor, **overrides)
    assert [p.field for p in caught.value.problems] == [field]


def test_stock_page_records_a_delivery_and_the_form_offers_it(client, practitioner, patient):
    client.force_login(practitioner)
    bad = client.post("/safety/needle-stock/", {"manufacturer": "", "lot": "A-1"})
    assert bad.status_code == 422
    response = client.post(
        "/safety/needle-stock/",
        {
            "manufacturer": "Synthetic Needle Co",
            "lot": "LOT-2027-01",
            "needle_diameter_mm": "0.30",
            "needle_length_mm": "50",
            "quantity": "200",
            "expires_on": (today() + dt.timedelta(days=400)).isoformat(),
            "received_on": today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert "LOT-2027-01" in client.get("/safety/needle-stock/").content.decode()
    form = client.get(f"/patients/{patient.pk}/sessions/new/").content.decode()
    assert '<datalist id="lot-list"><option value="LOT-2027-01">' in form
    assert 'list="lot-list"' in form
    check = client.get("/safety/needle-stock/check/", {"lot": ["LOT-2027-01", "X-1"]})
    assert [w["code"] for w in check.json()["warnings"]] == ["unknown"]

"""Needle stock: lots received and used, lots in stock on a day, warnings for charted lots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from imsclinic.charting.models import Insertion
from imsclinic.core.actors import Actor
from imsclinic.rules.lots import lot_key
from imsclinic.safety.models import NeedleLot


@dataclass(frozen=True)
class LotStock:
    """One lot key's stock: what was received (summed over deliveries) less what was used."""

    lot: str
    lot_key: str
    manufacturer: str
    needle_diameter_mm: Any
    needle_length_mm: int
    expires_on: dt.date
    received: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.received - self.used)

    def expired_on(self, day: dt.date) -> bool:
        return day > self.expires_on


def _used(clinic_id: int, keys: list[str]) -> dict[str, int]:
    """Insertions charted per lot key: an index-only count on (clinic, needle_lot_key)."""
    if not keys:
        return {}
    rows = (
        Insertion.objects.filter(clinic_id=clinic_id, needle_lot_key__in=keys)
        .values("needle_lot_key")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["needle_lot_key"]: row["n"] for row in rows}


def needle_stock(*, actor: Actor) -> list[LotStock]:
    """Every lot received, one row per lot key (newest delivery's details), with the
    insertions charted from it; stock counts down per insertion."""
    receipts = list(NeedleLot.objects.filter(clinic=actor.clinic).order_by("-received_on", "-id"))
    by_key: dict[str, list[NeedleLot]] = {}
    for receipt in receipts:
        by_key.setdefault(receipt.lot_key, []).append(receipt)
    used = _used(actor.clinic.pk, list(by_key))
    return [
        LotStock(
            lots[0].lot,
            key,
            lots[0].manufacturer,
            lots[0].needle_diameter_mm,
            lots[0].needle_length_mm,
            min(lot.expires_on for lot in lots),
            sum(lot.quantity for lot in lots),
            used.get(key, 0),
        )
        for key, lots in by_key.items()
    ]


def lots_in_stock(*, actor: Actor, day: dt.date | None = None) -> list[LotStock]:
    """What the session form suggests: lots with needles left and not expired, the ones
    expiring first first (use them up first)."""
    day = day or timezone.localdate()
    usable = [s for s in needle_stock(actor=actor) if s.remaining > 0 and not s.expired_on(day)]
    return sorted(usable, key=lambda s: (s.expires_on, s.lot))


@dataclass(frozen=True)
class LotWarning:
    lot: str
    code: str
    message: str


def lot_warnings(*, actor: Actor, lots: list[str], day: dt.date) -> list[LotWarning]:
    """Warnings (never blocks) for lots typed on the session form: unknown to needle stock,
    expired on the session date, or used up. A clinic may chart a lot not yet entered."""
    typed = {lot.strip(): lot_key(lot) for lot in lots if lot.strip() and lot_key(lot)}
    stock = {s.lot_key: s for s in needle_stock(actor=actor) if s.lot_key in typed.values()}
    warnings = []
    for lot, key in sorted(typed.items()):
        found = stock.get(key)
        if found is None:
            warnings.append(
                LotWarning(
                    lot,
                    "unknown",
                    f"Lot {lot} is not in needle stock: check the pack, or record the delivery "
                    "under Needle stock. You can still chart it.",
                )
            )
        elif found.expired_on(day):
            warnings.append(
                LotWarning(
                    lot,
                    "expired",
                    f"Lot {lot} ({found.manufacturer}) expired on {found.expires_on}: do not "
                    "use needles past their expiry date.",
                )
            )
        elif found.remaining == 0:
            warnings.append(
                LotWarning(
                    lot,
                    "used_up",
                    f"Lot {lot}: all {found.received:,} needles received are charted as used; "
                    "check the pack's lot number or record the new delivery.",
                )
            )
    return warnings

"""Billing rules without a framework: money arithmetic, the jurisdiction's mode, CPT codes.

Money is ``Decimal`` with two places everywhere; nothing here touches ``float``.

The rounding rule (docs/billing.md), applied once per line and never to a sum:

1. A line's net amount is ``quantity x unit_price``, exact because the unit price has
   at most two decimals and the quantity is a whole number.
2. A line's tax is ``net x rate / 100`` rounded half up to the cent, per line.
3. When a visit is split between a third-party payer and the patient, the payer's
   share of the net is ``net x coverage / 100`` rounded half up to the cent (then capped
   at the payer's per-visit maximum); the patient's share is the net minus the payer's,
   so the two shares always add back to the fee exactly.
4. Invoice totals are plain sums of the rounded lines, so every total reconciles to the
   cent with the lines printed under it.
5. A balance is ``total - credited - paid + refunded``, all exact sums.

CPT (US mode only): 20560 "needle insertion(s) without injection(s); 1 or 2 muscle(s)",
20561 "3 or more muscles" [AMA-CPT; DOMAIN-7: the muscles must be documented]. The count is of distinct muscles documented in the signed note: the same
muscle needled at several points or segmental levels is one muscle; the left and right
muscle of a pair are two. No CPT code is produced in Canadian mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# The largest amount a single field accepts: far above any clinic fee, below the column size.
MAX_AMOUNT = Decimal("99999999.99")

CPT_1_2_MUSCLES = "20560"
CPT_3_PLUS_MUSCLES = "20561"
CPT_DESCRIPTIONS = {
    CPT_1_2_MUSCLES: "Needle insertion(s) without injection(s); 1 or 2 muscle(s)",
    CPT_3_PLUS_MUSCLES: "Needle insertion(s) without injection(s); 3 or more muscles",
}

CANADA = "CA"
UNITED_STATES = "US"

# ISO 3166-2 subdivisions a clinic can bill in: Canadian provinces and territories, US
# states and the District of Columbia.
PROVINCES = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}
_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
    "NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
STATES = tuple(_STATE_CODES.split(" "))
JURISDICTIONS: dict[str, str] = {
    **{f"CA-{code}": f"{name}, Canada" for code, name in PROVINCES.items()},
    **{f"US-{code}": f"{code}, United States" for code in STATES},
}
CURRENCIES = {"CA": "CAD", "US": "USD"}


def country_of(jurisdiction: str) -> str:
    """'CA-AB' -> 'CA'. Raises KeyError for a jurisdiction not in the list."""
    if jurisdiction not in JURISDICTIONS:
        raise KeyError(jurisdiction)
    return jurisdiction.split("-", 1)[0]


def uses_cpt(jurisdiction: str) -> bool:
    """CPT codes are a US billing convention; Canadian receipts carry none."""
    return jurisdiction in JURISDICTIONS and country_of(jurisdiction) == UNITED_STATES


def round_money(value: Decimal) -> Decimal:
    """Half up to the cent (the one rounding step, used per line)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_problem(value: object, *, allow_zero: bool = True) -> str | None:
    """Why ``value`` is not a valid amount of money, or None when it is.

    Valid: a finite Decimal, not negative (and not zero unless allowed), at most two
    decimals, at most MAX_AMOUNT.
    """
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "Enter an amount such as 95.00."
    if not amount.is_finite():
        return "Enter an amount such as 95.00."
    if amount < 0:
        return "An amount cannot be negative; record a refund or a credit note instead."
    if amount == 0 and not allow_zero:
        return "Enter an amount greater than 0.00."
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return f"Use at most two decimals (cents): {amount} has more."
    if amount > MAX_AMOUNT:
        return f"An amount cannot exceed {MAX_AMOUNT}."
    return None


def percent_problem(value: object) -> str | None:
    """Coverage and tax percentages: 0 to 100 with at most three decimals."""
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return "Enter a percentage such as 80 or 5.000."
    if not rate.is_finite() or rate < 0 or rate > HUNDRED:
        return "Enter a percentage between 0 and 100."
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        return "Use at most three decimals for a percentage."
    return None


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


def line_amounts(quantity: int, unit_price: Decimal, tax_percent: Decimal) -> LineAmounts:
    """Net and tax of one invoice line, by the rounding rule above."""
    net = round_money(Decimal(quantity) * unit_price)
    tax = round_money(net * tax_percent / HUNDRED)
    return LineAmounts(net=net, tax=tax)


@dataclass(frozen=True)
class Split:
    payer: Decimal
    patient: Decimal


def split_fee(fee: Decimal, coverage_percent: Decimal, max_per_visit: Decimal | None) -> Split:
    """The payer's and the patient's shares of one fee; they always add up to the fee."""
    payer = round_money(fee * coverage_percent / HUNDRED)
    if max_per_visit is not None:
        payer = min(payer, max_per_visit)
    payer = max(ZERO, min(payer, fee))
    return Split(payer=payer, patient=fee - payer)


def balance(total: Decimal, credited: Decimal, paid: Decimal, refunded: Decimal) -> Decimal:
    """What is still owed on an invoice (negative: owed back to the payer)."""
    return total - credited - paid + refunded


def muscle_count(sites: Iterable[tuple[str, str]]) -> int:
    """Distinct muscles among (muscle id, side) pairs of one signed note's insertions."""
    return len(set(sites))


def cpt_code(muscles: int) -> str:
    """20560 for 1-2 muscles, 20561 for 3 or more; '' when no muscle was needled."""
    if muscles <= 0:
        return ""
    return CPT_1_2_MUSCLES if muscles <= 2 else CPT_3_PLUS_MUSCLES


AGE_BUCKETS = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, None, "90+"))


def age_bucket(days: int) -> str:
    """The aged-receivables column of an amount ``days`` after its invoice was issued."""
    for low, high, label in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return AGE_BUCKETS[0][2]  # issued "in the future" (clock skew): the current column

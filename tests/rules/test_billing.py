"""The framework-free billing rules: money, splits, CPT and jurisdictions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imsclinic.rules.billing import (
    age_bucket,
    balance,
    country_of,
    cpt_code,
    line_amounts,
    money_problem,
    muscle_count,
    percent_problem,
    round_money,
    split_fee,
    uses_cpt,
)

D = Decimal
cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)
percents = st.integers(min_value=0, max_value=100_000).map(lambda p: D(p) / 1000)


@pytest.mark.parametrize(
    ("muscles", "code"), [(0, ""), (1, "20560"), (2, "20560"), (3, "20561"), (12, "20561")]
)
def test_cpt_follows_the_number_of_muscles(muscles, code):
    assert cpt_code(muscles) == code


def test_muscles_are_counted_per_muscle_and_side_not_per_needle():
    sites = [
        ("lumbar_paraspinals", "left"),  # L4
        ("lumbar_paraspinals", "left"),  # L5: the same muscle
        ("gluteus_medius", "left"),
        ("gluteus_medius", "right"),  # the other side's muscle
    ]
    assert muscle_count(sites) == 3


def test_only_us_jurisdictions_use_cpt():
    assert uses_cpt("US-WA") and uses_cpt("US-DC")
    assert not uses_cpt("CA-AB") and not uses_cpt("CA-QC")
    assert not uses_cpt("XX-AB")
    assert country_of("CA-AB") == "CA"
    with pytest.raises(KeyError):
        country_of("CA-XX")


def test_rounding_is_half_up_to_the_cent():
    assert round_money(D("0.005")) == D("0.01")
    assert round_money(D("0.0049")) == D("0.00")
    assert round_money(D("2.675")) == D("2.68")  # a float would give 2.67


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-0.01", "negative"),
        ("1.001", "two decimals"),
        ("NaN", "amount such as"),
        ("Infinity", "amount such as"),
        ("abc", "amount such as"),
        ("100000000.00", "cannot exceed"),
    ],
)
def test_money_problems_say_what_to_do(value, fragment):
    assert fragment in (money_problem(value) or "")


def test_valid_amounts_pass():
    for value in ("0", "0.10", "95", "95.00", "1.50", D("12.3")):
        assert money_problem(value) is None
    assert money_problem("0", allow_zero=False)


def test_percent_limits():
    assert percent_problem("80") is None and percent_problem("66.667") is None
    assert percent_problem("100.001") and percent_problem("-1") and percent_problem("5.0001")


@given(fee=cents, coverage=percents, cap=st.none() | cents)
def test_split_shares_always_add_up_to_the_fee(fee, coverage, cap):
    split = split_fee(fee, coverage, cap)
    assert split.payer + split.patient == fee
    assert split.payer >= 0 and split.patient >= 0
    if cap is not None:
        assert split.payer <= cap
    assert split.payer == split.payer.quantize(D("0.01"))


@given(quantity=st.integers(1, 100), price=cents, rate=percents)
def test_line_total_is_net_plus_tax_rounded_once(quantity, price, rate):
    amounts = line_amounts(quantity, price, rate)
    assert amounts.net == quantity * price
    assert amounts.tax == round_money(amounts.net * rate / 100)
    assert amounts.total == amounts.net + amounts.tax


def test_balance_and_age_buckets():
    assert balance(D("95.00"), D("10.00"), D("90.00"), D("5.00")) == D("0.00")
    assert [age_bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400, -1)] == [
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
        "0-30",
    ]

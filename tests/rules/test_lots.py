"""The lot key: what a recall treats as the same lot."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imsclinic.rules.lots import KEY_MAX_LENGTH, lot_key, match_kind


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("LOT-2026-11", "lot 202611"),
        ("LOT-2026-11", "2026/11"),
        ("Lot: 2026.11", "LOT#2026_11"),
        ("ab-12", "AB12"),
        ("\uff12\uff10\uff12\uff16-11", "202611"),  # full-width digits typed on a phone
        ("  a b c  ", "ABC"),
    ],
)
def test_spellings_of_one_lot_share_a_key(a, b):
    assert lot_key(a) == lot_key(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("2026-11", "2026-12"), ("A1", "A11"), ("LOT1", "LOT2"), ("12", "21")],
)
def test_different_lots_keep_different_keys(a, b):
    assert lot_key(a) != lot_key(b)


def test_a_lone_lot_word_is_kept_and_punctuation_is_nothing():
    assert lot_key("LOT") == "LOT"
    assert lot_key("lot 7") == "7"
    assert lot_key("--- / ---") == ""
    assert lot_key("") == ""


def test_match_kind_names_exact_and_normalized():
    assert match_kind("LOT-2026-11", " LOT-2026-11 ") == "exact"
    assert match_kind("lot 202611", "LOT-2026-11") == "normalized"


@given(st.text(max_size=60))
def test_key_is_idempotent_bounded_and_plain(text):
    key = lot_key(text)
    assert len(key) <= KEY_MAX_LENGTH
    assert key == "" or (key.isascii() and key.isalnum() and key.upper() == key)
    # Keying a key changes nothing, unless the key itself starts with a label "LOT".
    if not key.startswith("LOT"):
        assert lot_key(key) == key

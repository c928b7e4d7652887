"""Needle sizes: what the forms offer and the default size live in one place
(rules/ranges.py), and every one of them is a size the range check accepts."""

from __future__ import annotations

from decimal import Decimal

from imsclinic.rules.ranges import (
    DEFAULT_NEEDLE_DIAMETER_MM,
    DEFAULT_NEEDLE_LENGTH_MM,
    NEEDLE_DIAMETERS_OFFERED,
    NEEDLE_LENGTHS_OFFERED,
    needle_problems,
)


def test_every_offered_size_passes_the_range_check():
    for diameter in NEEDLE_DIAMETERS_OFFERED:
        for length in NEEDLE_LENGTHS_OFFERED:
            assert needle_problems(Decimal(diameter), length) == {}, (diameter, length)


def test_the_default_size_is_one_the_forms_offer():
    assert str(DEFAULT_NEEDLE_DIAMETER_MM) in NEEDLE_DIAMETERS_OFFERED
    assert DEFAULT_NEEDLE_LENGTH_MM in NEEDLE_LENGTHS_OFFERED


def test_a_size_outside_the_range_names_the_field_and_the_range():
    assert needle_problems(Decimal("0.50"), 5) == {
        "needle_diameter_mm": "Needle diameter must be 0.12-0.35 mm; got 0.50.",
        "needle_length_mm": "Needle length must be 10-100 mm; got 5.",
    }
